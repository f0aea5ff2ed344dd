"""Alert test helpers: rules, recent logs, settled evaluations, socket reads with timeouts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from alerts import AlertEngine
from tests.conftest import gql
from tests.factories import create_logs, log_json

RULE_FIELDS = "name level minLevel service messageContains threshold windowSeconds cooldownSeconds"
ALERT_FIELDS = (
    "id rule count threshold windowSeconds firedAt level service "
    "samples { id timestamp level service message metadata }"
)
UPSERT = f"""mutation($input: AlertRuleInput!) {{
  upsertAlertRule(input: $input) {{ {RULE_FIELDS} }}
}}"""
HISTORY = f"""query($rule: String, $since: DateTime, $limit: Int) {{
  alerts(rule: $rule, since: $since, limit: $limit) {{ {ALERT_FIELDS} }}
}}"""
TRANSPORT_WS = "graphql-transport-ws"
GRAPHQL_WS = "graphql-ws"
SUBSCRIBE = f"subscription($rules: [String!]) {{ alerts(rules: $rules) {{ {ALERT_FIELDS} }} }}"


def engine_of(client: TestClient) -> AlertEngine:
    engine: AlertEngine = client.app.state.alert_engine  # type: ignore[attr-defined]
    return engine


def upsert_rule(client: TestClient, **fields: Any) -> dict[str, Any]:
    """Store a rule through GraphQL; the rule must be valid."""
    body = gql(client, UPSERT, {"input": {"windowSeconds": 60, **fields}})
    assert "errors" not in body, body
    rule: dict[str, Any] = body["data"]["upsertAlertRule"]
    return rule


def assert_refused(client: TestClient, rule: dict[str, Any], *, field: str, reason: str) -> None:
    """The rule is BAD_USER_INPUT naming `field`, for `reason`, and no rule is stored."""
    (error,) = gql(client, UPSERT, {"input": rule})["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert reason in error["message"]
    assert gql(client, "{ alertRules { name } }")["data"]["alertRules"] == []


def ago(seconds: float) -> str:
    """An ISO timestamp this many seconds before now."""
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat()


def write_logs(client: TestClient, count: int, **fields: Any) -> list[dict[str, Any]]:
    """Write `count` recent logs through the legacy bulk route, then wait for the evaluations."""
    bodies = [log_json(timestamp=ago(1), **fields) for _ in range(count)]
    created = create_logs(client, *bodies) if bodies else []
    settle(client)
    return created


def settle(client: TestClient) -> None:
    """Wait until the evaluations the last writes queued have finished."""
    client.portal.call(engine_of(client).settled)  # type: ignore[union-attr]


def history(client: TestClient, **variables: Any) -> list[dict[str, Any]]:
    body = gql(client, HISTORY, variables)
    assert "errors" not in body, body
    alerts: list[dict[str, Any]] = body["data"]["alerts"]
    return alerts


def wait_for(
    condition: Callable[[], bool], *, timeout: float = 5.0, what: str = "condition"
) -> None:
    """Poll until true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def receive(ws: WebSocketTestSession, *, timeout: float = 5.0) -> dict[str, Any]:
    """The next protocol message, skipping graphql-ws keep-alives; fails instead of hanging."""

    async def next_message() -> Any:
        with anyio.fail_after(timeout):
            # TestClient's receive() has no timeout; this is the queue it reads from.
            return await ws._send_rx.receive()

    while True:
        message = ws.portal.call(next_message)
        assert message["type"] == "websocket.send", message
        data: dict[str, Any] = json.loads(message["text"])
        if data.get("type") != "ka":
            return data


def assert_silent(ws: WebSocketTestSession, *, within: float) -> None:
    """Nothing but keep-alives arrives for `within` seconds."""
    try:
        data = receive(ws, timeout=within)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected message {data}")


@contextmanager
def subscribed(
    client: TestClient, protocol: str, *, rules: list[str] | None = None, query: str = SUBSCRIBE
) -> Iterator[WebSocketTestSession]:
    """A socket with one `alerts` subscription (id "1") that the server has registered."""
    engine = engine_of(client)
    before = engine.hub.subscriber_count
    with client.websocket_connect("/graphql", subprotocols=[protocol]) as ws:
        ws.send_json({"type": "connection_init"})
        assert receive(ws) == {"type": "connection_ack"}
        start = "subscribe" if protocol == TRANSPORT_WS else "start"
        payload = {"query": query, "variables": {"rules": rules}}
        ws.send_json({"id": "1", "type": start, "payload": payload})
        wait_for(lambda: engine.hub.subscriber_count == before + 1, what="the subscription")
        yield ws


def sweep(client: TestClient) -> None:
    """Run the periodic check once, now, and wait for the evaluations it queued."""
    client.portal.call(engine_of(client).sweep)  # type: ignore[union-attr]
    settle(client)


def fire(client: TestClient, name: str) -> dict[str, Any]:
    """Create a one-log rule, trip it, and return the alert from history."""
    upsert_rule(client, name=name, service=name, threshold=1)
    write_logs(client, 1, service=name)
    return history(client, rule=name)[0]


class Receiver:
    """A loopback HTTP server that records POSTed JSON and answers with scripted statuses."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.bodies: list[dict[str, Any]] = []
        self.release = threading.Event()
        self.release.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.bodies.append(
                    json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                )
                receiver.release.wait()
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/alerts"
