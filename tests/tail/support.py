"""Live-tail test helpers: a subscribed socket, edges read with timeouts, cursors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

from anyio.from_thread import BlockingPortal
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from core.runtime import Runtime
from core.tail import tail_logs
from core.tail_cursor import SubscriberTooSlow, TailEdge
from tests.alerts.support import GRAPHQL_WS, TRANSPORT_WS, receive, wait_for

NODE = "id timestamp level service message metadata"
TAIL = f"""subscription($filter: LogFilter, $after: String) {{
  logs(filter: $filter, after: $after) {{ cursor node {{ {NODE} }} }}
}}"""

__all__ = ["GRAPHQL_WS", "TRANSPORT_WS", "edges", "runtime_of", "tailing"]


def runtime_of(client: TestClient) -> Runtime:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def start(
    ws: WebSocketTestSession,
    protocol: str,
    variables: dict[str, Any],
    *,
    op_id: str = "1",
    query: str = TAIL,
) -> None:
    kind = "subscribe" if protocol == TRANSPORT_WS else "start"
    ws.send_json({"id": op_id, "type": kind, "payload": {"query": query, "variables": variables}})


@contextmanager
def tailing(
    client: TestClient,
    *,
    protocol: str = TRANSPORT_WS,
    filter: dict[str, Any] | None = None,
    after: str | None = None,
    wait: bool = True,
    query: str = TAIL,
) -> Iterator[WebSocketTestSession]:
    """A socket with one `logs` subscription (id "1"), registered with the hub when `wait`."""
    hub = runtime_of(client).log_hub
    before = hub.subscriber_count
    with client.websocket_connect("/graphql", subprotocols=[protocol]) as ws:
        ws.send_json({"type": "connection_init"})
        assert receive(ws) == {"type": "connection_ack"}
        start(ws, protocol, {"filter": filter, "after": after}, query=query)
        if wait:
            wait_for(lambda: hub.subscriber_count > before, what="the subscription")
        yield ws


def next_message(ws: WebSocketTestSession, *, timeout: float = 5.0) -> dict[str, Any]:
    return receive(ws, timeout=timeout)


def edges(ws: WebSocketTestSession, count: int, *, timeout: float = 5.0) -> list[dict[str, Any]]:
    """The next `count` edges; fails on anything else."""
    received = []
    for _ in range(count):
        message = receive(ws, timeout=timeout)
        assert message["type"] in ("next", "data"), message
        assert "errors" not in message["payload"], message
        received.append(message["payload"]["data"]["logs"])
    return received


def ids(received: list[dict[str, Any]]) -> list[int]:
    return [int(edge["node"]["id"]) for edge in received]


def waiting_stream(
    runtime: Runtime, portal: BlockingPortal
) -> tuple[AsyncIterator[TailEdge], asyncio.Future[TailEdge]]:
    """A tail from now on, once the hub counts it, and its first edge awaited meanwhile."""
    stream = tail_logs(runtime, log_filter=None, after=None)
    # Wrapped in a list: the portal would await a bare future. The task subscribes at once.
    (first,) = portal.call(lambda: [asyncio.ensure_future(anext(stream))])
    for _ in range(500):
        if runtime.log_hub.subscriber_count:
            break
        portal.call(asyncio.sleep, 0.01)
    return stream, first


def assert_cut_off_and_resumed(
    runtime: Runtime,
    portal: BlockingPortal,
    *,
    stream: AsyncIterator[TailEdge],
    first: asyncio.Future[TailEdge],
    written: list[int],
) -> None:
    """The stream ends with SUBSCRIBER_TOO_SLOW naming the last edge it gave, before all of
    `written`; resuming after that edge gives the rest, each once."""

    async def drain() -> tuple[list[TailEdge], SubscriberTooSlow]:
        received = [await first]
        try:
            while True:
                received.append(await anext(stream))
        except SubscriberTooSlow as error:
            return received, error

    received, error = portal.call(asyncio.wait_for, drain(), 10)
    assert error.extensions == {"code": "SUBSCRIBER_TOO_SLOW", "after": received[-1].cursor}
    assert len(received) < len(written)

    async def resume() -> list[TailEdge]:
        rest = tail_logs(runtime, log_filter=None, after=error.after)
        return [await anext(rest) for _ in range(len(written) - len(received))]

    rest = portal.call(asyncio.wait_for, resume(), 10)
    assert [edge.node.id for edge in received + rest] == written
