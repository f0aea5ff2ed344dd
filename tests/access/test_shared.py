"""Revocations and rate limits reach every process through Redis; without it, each limits alone,
and a revoked key's open sockets close once the key cache forgets the key."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from core.access import KEY_CACHE_SECONDS
from main import create_app
from testing.server import running_servers
from testing.services import scratch_postgres_database
from tests.access.support import ADMIN_KEY, REVOKE, bearer, call, create_key, fresh_window
from tests.alerts.support import TRANSPORT_WS, receive, wait_for
from tests.conftest import app_settings
from tests.graph.test_websocket_limits import PROTOCOLS, next_event, start
from tests.tail.support import runtime_of

DEAD_REDIS = "redis://127.0.0.1:1/0"
TAIL = "subscription { logs { node { message } } }"


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    redis_url = DEAD_REDIS if "dead" in request.node.name else request.getfixturevalue("redis_url")
    return {
        "enable_alerts": False,
        "auth_required": True,
        "admin_api_key": ADMIN_KEY,
        "redis_url": redis_url,
    }


@pytest.fixture
def other(
    client: TestClient, database_url: str, settings_overrides: dict[str, Any]
) -> Iterator[TestClient]:
    """A second app on the same database and Redis, as another worker would be."""
    with TestClient(
        create_app(app_settings(database_url=database_url, **settings_overrides))
    ) as second:
        yield second


@pytest.mark.redis
def test_a_revocation_reaches_the_other_process_at_once(
    client: TestClient, other: TestClient
) -> None:
    key = create_key(client, "leaked", "READ")
    assert other.get("/api/v1/logs/", headers=bearer(key)).status_code == 200  # now cached there
    assert call(client, REVOKE, {"name": "leaked"}, key=ADMIN_KEY)["data"]["revokeApiKey"]
    wait_for(
        lambda: other.get("/api/v1/logs/", headers=bearer(key)).status_code == 401,
        timeout=2.0,
        what="the revocation in the other process",
    )


def _statuses(client: TestClient, key: str, count: int) -> list[int]:
    return [client.get("/api/v1/stats/", headers=bearer(key)).status_code for _ in range(count)]


@pytest.mark.slow
@pytest.mark.redis
def test_a_rate_limit_is_shared_by_the_processes(client: TestClient, other: TestClient) -> None:
    key = create_key(client, "limited", "READ", rate=0.5)  # one request per 2 s window
    fresh_window(2)
    assert _statuses(client, key, 2) == [200, 429]
    time.sleep(0.3)  # the count reaches Redis within 100 ms
    refused = other.get("/api/v1/stats/", headers=bearer(key))
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 2


@pytest.mark.slow
def test_a_rate_limit_holds_per_process_with_redis_dead(client: TestClient) -> None:
    key = create_key(client, "limited", "READ", rate=3)
    fresh_window(1)
    assert _statuses(client, key, 5) == [200, 200, 200, 429, 429]
    body = call(client, "{ stats { totalLogs } }", key=key)
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert body["errors"][0]["extensions"]["retryAfter"] >= 1


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.redis
def test_a_revocation_reaches_another_os_process(redis_url: str) -> None:
    with scratch_postgres_database() as database_url:
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "ENABLE_ALERTS": "false",
            "AUTH_REQUIRED": "true",
            "ADMIN_API_KEY": ADMIN_KEY,
        }
        with running_servers(2, env=env) as (first, second):
            admin = {"authorization": f"Bearer {ADMIN_KEY}"}
            made = httpx.post(
                f"{first.base_url}/graphql",
                json={"query": 'mutation { createApiKey(name: "k", scopes: [READ]) { key } }'},
                headers=admin,
            ).json()
            key = made["data"]["createApiKey"]["key"]
            logs_url = f"{second.base_url}/api/v1/logs/"
            assert httpx.get(logs_url, headers=bearer(key)).status_code == 200
            httpx.post(
                f"{first.base_url}/graphql",
                json={"query": REVOKE, "variables": {"name": "k"}},
                headers=admin,
            ).raise_for_status()
            wait_for(
                lambda: httpx.get(logs_url, headers=bearer(key)).status_code == 401,
                timeout=2.0,
                what="the revocation in the other process",
            )


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("where", ["same process", "other process"])
def test_a_revoked_keys_open_socket_is_closed(
    client: TestClient, other: TestClient, protocol: str, where: str
) -> None:
    _closed_after_revocation(client, client if where == "same process" else other, protocol)


@pytest.mark.slow
def test_with_redis_dead_another_process_closes_it_once_its_cache_forgets_the_key(
    client: TestClient, other: TestClient
) -> None:
    _closed_after_revocation(client, other, TRANSPORT_WS, timeout=KEY_CACHE_SECONDS + 10)


def _closed_after_revocation(
    client: TestClient, served: TestClient, protocol: str, *, timeout: float = 10
) -> None:
    """Revoke through `client` a key whose socket `served` holds, tailing; it must close."""
    key = create_key(client, "leaked", "READ")
    hub = runtime_of(served).log_hub
    with served.websocket_connect("/graphql", subprotocols=[protocol]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"apiKey": key}})
        assert receive(ws)["type"] == "connection_ack"
        start(ws, protocol, "1", {"query": TAIL})
        wait_for(lambda: hub.subscriber_count == 1, what="the subscription")
        assert call(client, REVOKE, {"name": "leaked"}, key=ADMIN_KEY)["data"]["revokeApiKey"]
        closed = next_event(ws, timeout=timeout)
        if closed["type"] == "complete":  # graphql-ws says its operation ended
            closed = next_event(ws)
        assert closed["type"] == "websocket.close", closed
        assert closed["code"] == 4403
        assert "revoked" in closed["reason"]
    wait_for(lambda: hub.subscriber_count == 0, what="the subscription's end")
