"""Every scope against every surface, with AUTH_REQUIRED on and off."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.access.support import ADMIN_KEY, bearer, call, codes, create_key
from tests.alerts.support import receive
from tests.factories import create_logs, log_json

READ_QUERY = "{ logs(limit: 1) { id } stats { totalLogs } }"
CREATE_LOG = 'mutation { createLog(input: {level: INFO, service: "s", message: "m"}) { id } }'


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"enable_alerts": False, "auth_required": True, "admin_api_key": ADMIN_KEY}


@pytest.mark.slow
def test_rest_needs_a_key_and_names_the_scheme(client: TestClient) -> None:
    response = client.get("/api/v1/logs/")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    unknown = client.get("/api/v1/logs/", headers=bearer("lg_not-a-key"))
    assert unknown.status_code == 401


@pytest.mark.parametrize("header", ["authorization", "x-api-key"])
def test_rest_scopes_follow_the_method(client: TestClient, header: str) -> None:
    key = create_key(client, "reader", "READ")
    headers = bearer(key) if header == "authorization" else {"x-api-key": key}
    assert client.get("/api/v1/logs/", headers=headers).status_code == 200
    assert client.get("/api/v1/stats/", headers=headers).status_code == 200
    assert client.post("/api/v1/logs/", json=log_json(), headers=headers).status_code == 403
    assert client.delete("/api/v1/logs/1", headers=headers).status_code == 403


def test_an_ingest_key_writes_but_cannot_read_or_delete(client: TestClient) -> None:
    key = create_key(client, "shipper", "INGEST")
    created = client.post("/api/v1/bulk_logs/", json=[log_json()], headers=bearer(key))
    assert created.status_code == 200
    assert client.get("/api/v1/logs/", headers=bearer(key)).status_code == 403
    log_id = created.json()[0]["id"]
    assert client.delete(f"/api/v1/logs/{log_id}", headers=bearer(key)).status_code == 403
    refused = call(client, READ_QUERY, key=key)
    assert refused["data"] is None
    assert codes(refused) == {"FORBIDDEN"}


def test_graphql_without_a_key_is_unauthenticated_and_leaks_nothing(client: TestClient) -> None:
    body = call(client, READ_QUERY, key=None)
    assert body["data"] is None
    assert codes(body) == {"UNAUTHENTICATED"}


def test_a_read_key_cannot_mutate_by_alias_or_in_a_multi_operation_document(
    client: TestClient,
) -> None:
    key = create_key(client, "reader", "READ")
    assert "errors" not in call(client, READ_QUERY, key=key)
    aliased = call(
        client,
        'mutation { harmless: createLog(input: {level: INFO, service: "s", message: "m"}) { id } }',
        key=key,
    )
    assert aliased["data"] is None
    assert codes(aliased) == {"FORBIDDEN"}
    document = f"query Read {READ_QUERY} mutation Write {CREATE_LOG[len('mutation ') :]}"
    response = client.post(
        "/graphql",
        json={"query": document, "operationName": "Write"},
        headers=bearer(key),
    )
    assert response.json()["data"] is None
    assert codes(response.json()) == {"FORBIDDEN"}
    batched = client.post("/graphql", json=[{"query": CREATE_LOG}], headers=bearer(key))
    assert batched.status_code == 400
    stats = call(client, "{ stats { totalLogs } }", key=ADMIN_KEY)
    assert stats["data"]["stats"]["totalLogs"] == 0


def test_only_admin_keys_manage_keys_rules_and_deletes(client: TestClient) -> None:
    key = create_key(client, "writer", "INGEST", "READ")
    for document in (
        "{ apiKeys { name } }",
        'mutation { revokeApiKey(name: "writer") { name } }',
        'mutation { deleteAlertRule(name: "x") { name } }',
        'mutation { deleteLog(id: "1") { id } }',
    ):
        body = call(client, document, key=key)
        assert codes(body) == {"FORBIDDEN"}, document
    listed = call(client, "{ apiKeys { name scopes } }", key=ADMIN_KEY)
    assert listed["data"]["apiKeys"] == [{"name": "writer", "scopes": ["INGEST", "READ"]}]


def test_keys_are_never_listed_with_their_secret_and_revocation_is_immediate(
    client: TestClient,
) -> None:
    key = create_key(client, "gone", "READ")
    assert client.get("/api/v1/logs/", headers=bearer(key)).status_code == 200
    listed = call(client, "{ apiKeys { name } }", key=ADMIN_KEY)
    assert key not in str(listed)
    revoked = call(client, 'mutation { revokeApiKey(name: "gone") { name } }', key=ADMIN_KEY)
    assert revoked["data"]["revokeApiKey"] == {"name": "gone"}
    assert client.get("/api/v1/logs/", headers=bearer(key)).status_code == 401


def test_key_names_are_unique_and_scopes_required(client: TestClient) -> None:
    create_key(client, "once", "READ")
    again = call(
        client, 'mutation { createApiKey(name: "once", scopes: [READ]) { key } }', key=ADMIN_KEY
    )
    assert again["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "name"}
    empty = call(
        client, 'mutation { createApiKey(name: "none", scopes: []) { key } }', key=ADMIN_KEY
    )
    assert empty["errors"][0]["extensions"]["field"] == "scopes"


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
def test_websocket_connection_init_without_a_valid_read_key_is_closed(
    client: TestClient, protocol: str
) -> None:
    ingest_only = create_key(client, "shipper", "INGEST")
    reader = create_key(client, "dashboard", "READ")
    for payload, code in (
        ({}, 4401),
        ({"apiKey": "lg_wrong"}, 4401),
        ({"apiKey": ingest_only}, 4403),
    ):
        with client.websocket_connect("/graphql", subprotocols=[protocol]) as ws:
            ws.send_json({"type": "connection_init", "payload": payload})
            message = ws.receive()
            if message["type"] == "websocket.send":  # graphql-ws says why before closing
                message = ws.receive()
            assert message == {"type": "websocket.close", "code": code, "reason": message["reason"]}
    with client.websocket_connect("/graphql", subprotocols=[protocol]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {reader}"}})
        assert receive(ws)["type"] == "connection_ack"


class TestWithoutAuthRequired:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"enable_alerts": False, "admin_api_key": ADMIN_KEY}

    def test_anonymous_callers_keep_every_scope(self, client: TestClient) -> None:
        (created,) = create_logs(client, log_json())
        assert client.delete(f"/api/v1/logs/{created['id']}").status_code == 200
        assert "errors" not in call(client, READ_QUERY, key=None)

    @pytest.mark.slow
    def test_a_key_given_still_limits_to_its_scopes(self, client: TestClient) -> None:
        key = create_key(client, "reader", "READ")
        assert client.post("/api/v1/logs/", json=log_json(), headers=bearer(key)).status_code == 403
        assert client.get("/api/v1/logs/", headers=bearer("lg_unknown")).status_code == 401


def test_graphiql_loads_without_a_key(client: TestClient) -> None:
    page = client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


def test_sockets_and_subscriptions_per_key_are_capped(client: TestClient) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    runtime.sockets.limit = 1
    runtime.subscriptions.limit = 1
    key = create_key(client, "dashboard", "READ")
    init = {"type": "connection_init", "payload": {"apiKey": key}}
    subscribe = {
        "id": "1",
        "type": "subscribe",
        "payload": {"query": "subscription { alerts { id } }"},
    }
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as first:
        first.send_json(init)
        assert receive(first)["type"] == "connection_ack"
        first.send_json(subscribe)
        first.send_json({**subscribe, "id": "2"})
        refused = receive(first)
        assert refused["id"] == "2", refused
        assert refused["payload"]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as second:
            second.send_json(init)
            assert second.receive()["code"] == 4429
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as again:
        again.send_json(init)
        assert receive(again)["type"] == "connection_ack"
