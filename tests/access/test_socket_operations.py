"""Every operation on a WebSocket counts against its key's rate limit, as an HTTP request does;
a refused one gets RATE_LIMITED for its id and the socket stays open."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.access.support import ADMIN_KEY, bearer, call, create_key, fresh_window
from tests.alerts.support import TRANSPORT_WS, wait_for
from tests.factories import log_json
from tests.graph.test_websocket_limits import PROTOCOLS, error_of, next_event, start
from tests.tail.support import runtime_of

CREATE_LOG = 'mutation { createLog(input: {level: INFO, service: "s", message: "m"}) { id } }'
STATS = "{ stats { totalLogs } }"
TAIL = "subscription { logs { node { message } } }"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"enable_alerts": False, "auth_required": True, "admin_api_key": ADMIN_KEY}


@pytest.mark.slow
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_operations_over_a_socket_count_against_the_rate_limit(
    client: TestClient, protocol: str
) -> None:
    key = create_key(client, "limited", "READ", "INGEST", rate=0.2)  # one per 5 s window
    operations = [CREATE_LOG, STATS, TAIL] if protocol == TRANSPORT_WS else [TAIL] * 3
    hub = runtime_of(client).log_hub
    fresh_window(5)
    with client.websocket_connect("/graphql", subprotocols=[protocol]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"apiKey": key}})  # counted
        assert next_event(ws) == {"type": "connection_ack"}
        for op_id, query in enumerate(operations):
            start(ws, protocol, str(op_id), {"query": query})
            refused = next_event(ws)
            assert (refused["type"], refused["id"]) == ("error", str(op_id)), refused
            error = error_of(refused)
            assert error["extensions"]["code"] == "RATE_LIMITED", error
            assert 1 <= error["extensions"]["retryAfter"] <= 5
        assert hub.subscriber_count == 0
        fresh_window(5)
        start(ws, protocol, "live", {"query": TAIL})  # the socket is still open, and served
        wait_for(lambda: hub.subscriber_count == 1, what="the subscription")
        posted = client.post("/api/v1/logs/", json=log_json(message="m"), headers=bearer(ADMIN_KEY))
        assert posted.status_code == 200
        delivered = next_event(ws)
        assert delivered["id"] == "live"
        assert delivered["payload"]["data"] == {"logs": {"node": {"message": "m"}}}
    assert call(client, STATS, key=ADMIN_KEY)["data"]["stats"]["totalLogs"] == 1
