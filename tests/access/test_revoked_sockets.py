"""A revoked key's open sockets are closed with 4403, in the process that revoked it and in
every other one, and their subscriptions end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.access import KEY_CACHE_SECONDS
from main import create_app
from tests.access.support import ADMIN_KEY, REVOKE, call, create_key
from tests.alerts.support import TRANSPORT_WS, receive, wait_for
from tests.conftest import app_settings
from tests.graph.test_websocket_limits import PROTOCOLS, next_event, start
from tests.tail.support import runtime_of

TAIL = "subscription { logs { node { message } } }"


DEAD_REDIS = "redis://127.0.0.1:1/0"


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
@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("where", ["same process", "other process"])
def test_a_revoked_keys_open_socket_is_closed(
    client: TestClient, other: TestClient, protocol: str, where: str
) -> None:
    _closed_after_revocation(client, client if where == "same process" else other, protocol)


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
