"""WebSocket limits: a prompt handshake, subscriptions and rule names per connection capped."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from core.alerts import MAX_SUBSCRIBED_RULES
from graph import socket_limits
from graph.limits import MAX_LIST_ITEMS, MAX_QUERY_LENGTH
from main import create_app
from tests.alerts.support import GRAPHQL_WS, SUBSCRIBE, TRANSPORT_WS
from tests.conftest import app_settings

PROTOCOLS = [TRANSPORT_WS, GRAPHQL_WS]
Connect = Callable[[str], WebSocketTestSession]


def next_event(ws: WebSocketTestSession, *, timeout: float = 5.0) -> dict[str, Any]:
    """The next message or close from the server, keep-alives skipped; fails instead of hanging."""

    async def receive() -> Any:
        with anyio.fail_after(timeout):
            return await ws._send_rx.receive()

    while True:
        event: dict[str, Any] = ws.portal.call(receive)
        if event["type"] != "websocket.send":
            return event
        message: dict[str, Any] = json.loads(event["text"])
        if message.get("type") != "ka":
            return message


def start(ws: WebSocketTestSession, protocol: str, op_id: str, payload: object) -> None:
    kind = "subscribe" if protocol == TRANSPORT_WS else "start"
    ws.send_json({"id": op_id, "type": kind, "payload": payload})


def error_of(message: dict[str, Any]) -> dict[str, Any]:
    """The first error of an `error` message or of a result carrying errors."""
    if message["type"] == "error":
        payload = message["payload"]
        return dict(payload[0] if isinstance(payload, list) else payload)
    assert message["type"] in ("next", "data"), message
    return dict(message["payload"]["errors"][0])


@contextmanager
def sockets_on(client: TestClient) -> Iterator[Connect]:
    """Opens an initialised socket with the given protocol; all are closed on exit."""
    with ExitStack() as sockets:

        def connect(protocol: str) -> WebSocketTestSession:
            session = client.websocket_connect("/graphql", subprotocols=[protocol])
            ws = sockets.enter_context(session)
            ws.send_json({"type": "connection_init"})
            assert next_event(ws) == {"type": "connection_ack"}
            return ws

        yield connect


@pytest.fixture
def connected(client: TestClient) -> Iterator[Connect]:
    """Sockets on the test's own app, closed after the test."""
    with sockets_on(client) as connect:
        yield connect


@pytest.fixture
def connected_to_module_app(module_client: TestClient) -> Iterator[Connect]:
    """Sockets on the app the module's tests share, closed after the test."""
    with sockets_on(module_client) as connect:
        yield connect


def test_connection_init_timeout_is_a_few_seconds() -> None:
    assert timedelta(seconds=5) >= socket_limits.CONNECTION_INIT_TIMEOUT


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_socket_without_connection_init_is_closed(
    protocol: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(socket_limits, "CONNECTION_INIT_TIMEOUT", timedelta(seconds=0.2))
    settings = app_settings(database_url=f"sqlite:///{tmp_path / 'db'}", enable_alerts=False)
    with (
        TestClient(create_app(settings)) as client,
        client.websocket_connect("/graphql", subprotocols=[protocol]) as ws,
    ):
        event = next_event(ws)
        assert event["type"] == "websocket.close"
        assert event["code"] == 4408


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_subscriptions_beyond_the_cap_get_an_error(connected: Connect, protocol: str) -> None:
    ws = connected(protocol)
    limit = socket_limits.MAX_SUBSCRIPTIONS_PER_CONNECTION
    for op_id in range(limit + 1):
        start(ws, protocol, str(op_id), {"query": SUBSCRIBE})
    message = next_event(ws)
    assert message["id"] == str(limit)
    error = error_of(message)
    assert error["message"] == f"At most {limit} operations per connection"
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_rule_names_beyond_the_cap_are_refused(connected: Connect, protocol: str) -> None:
    ws = connected(protocol)
    rules = [f"rule-{i}" for i in range(MAX_SUBSCRIBED_RULES + 1)]
    start(ws, protocol, "1", {"query": SUBSCRIBE, "variables": {"rules": rules}})
    error = error_of(next_event(ws))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "rules"}
    assert f"at most {MAX_SUBSCRIBED_RULES}" in error["message"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_huge_rule_list_is_refused_before_coercion(connected: Connect, protocol: str) -> None:
    ws = connected(protocol)
    rules = ["r"] * 100_000
    start(ws, protocol, "1", {"query": SUBSCRIBE, "variables": {"rules": rules}})
    error = error_of(next_event(ws))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "rules"}
    assert f"at most {MAX_LIST_ITEMS}" in error["message"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_oversized_or_malformed_operations_are_refused(connected: Connect, protocol: str) -> None:
    ws = connected(protocol)
    start(ws, protocol, "1", {"query": SUBSCRIBE + " #" + "x" * MAX_QUERY_LENGTH})
    assert error_of(next_event(ws))["extensions"]["field"] == "query"
    start(ws, protocol, "2", "not an object")
    assert error_of(next_event(ws))["extensions"]["code"] == "BAD_USER_INPUT"
    start(ws, protocol, "3", {"query": "{ __typename }"})  # the socket still serves
    assert next_event(ws)["id"] == "3"


@pytest.mark.parametrize(
    "message",
    [
        "null",
        "123",
        '"x"',
        "[]",
        '{"type": 1}',
        '{"type": "SUBSCRIBE_KIND", "id": {}}',
        '{"type": "SUBSCRIBE_KIND", "id": "' + "i" * 65 + '"}',
    ],
    ids=["null", "number", "string", "list", "type-not-text", "id-not-text", "id-too-long"],
)
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_malformed_message_closes_the_socket_cleanly(
    connected_to_module_app: Connect, protocol: str, message: str
) -> None:
    ws = connected_to_module_app(protocol)
    kind = "subscribe" if protocol == TRANSPORT_WS else "start"
    ws.send_text(message.replace("SUBSCRIBE_KIND", kind))
    event = next_event(ws)
    assert event == {"type": "websocket.close", "code": 4400, "reason": event["reason"]}


def test_invalid_json_closes_a_transport_ws_socket(connected: Connect) -> None:
    ws = connected(TRANSPORT_WS)
    ws.send_text('{"type": "subscribe", ')
    event = next_event(ws)
    assert (event["type"], event["code"]) == ("websocket.close", 4400)


def test_invalid_json_is_skipped_on_a_graphql_ws_socket(connected: Connect) -> None:
    ws = connected(GRAPHQL_WS)
    ws.send_text('{"type": "start", ')
    start(ws, GRAPHQL_WS, "1", "not an object")
    assert error_of(next_event(ws))["extensions"]["code"] == "BAD_USER_INPUT"
