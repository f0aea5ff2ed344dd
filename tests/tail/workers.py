"""A live-tail client over a real socket, for tests against real app processes."""

from __future__ import annotations

import json
import secrets
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from testing.server import HOST, Server
from tests.sockets import next_message
from tests.tail.support import TAIL, TRANSPORT_WS


@contextmanager
def tail_on(url: str, *, protocol: str = TRANSPORT_WS, **variables: Any) -> Iterator[Tail]:
    """A subscribed `Tail`, its socket closed on the way out."""
    with connect(url, subprotocols=[protocol]) as socket:  # type: ignore[list-item]
        yield Tail(socket, protocol=protocol, variables=variables)


class Tail:
    """One WebSocket with one `logs` subscription (id "1"), over either protocol."""

    def __init__(
        self, socket: ClientConnection, *, protocol: str, variables: dict[str, Any]
    ) -> None:
        self.socket = socket
        self.socket.send(json.dumps({"type": "connection_init"}))
        assert self.message(timeout=10) == {"type": "connection_ack"}
        kind = "subscribe" if protocol == TRANSPORT_WS else "start"
        payload = {"query": TAIL, "variables": variables}
        self.socket.send(json.dumps({"id": "1", "type": kind, "payload": payload}))

    def message(self, *, timeout: float) -> dict[str, Any] | None:
        """The next message other than a keep-alive, or None after `timeout` seconds."""
        return next_message(self.socket, timeout=timeout)

    def edges(self, count: int, *, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The next `count` edges (fewer if the time runs out); fails on an error."""
        received: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(received) < count:
            message = self.message(timeout=deadline - time.monotonic())
            if message is None:
                break
            assert message["type"] in ("next", "data"), message
            assert "errors" not in message["payload"], message
            received.append(message["payload"]["data"]["logs"])
        return received


def wait_subscribed(base_url: str) -> None:
    """Subscriptions register asynchronously; a short pause covers it on a real server."""
    time.sleep(0.5)
    httpx.get(base_url + "/healthz", timeout=5).raise_for_status()


def bulk(base_url: str, count: int, *, message: str = "m", service: str = "api") -> list[int]:
    """Write `count` logs in one bulk request; their ids."""
    body = [{"level": "INFO", "service": service, "message": message} for _ in range(count)]
    response = httpx.post(base_url + "/api/v1/bulk_logs/", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return [log["id"] for log in response.json()]


CUT_OFF = "slow logs subscriber cut off"  # the server's warning as it cuts a subscriber off
BULKS_AFTER_CUT_OFF = 4


def small_buffered_socket(server: Server, receive_buffer: int = 64 * 1024) -> socket.socket:
    """A TCP connection to the server whose receive buffer is fixed before the handshake (the
    kernel would grow it to several MB), so that a client that stops reading holds little."""
    connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    connection.connect((HOST, server.port))
    return connection


def write_until_cut_off(
    server: Server, *, per_bulk: int, message_bytes: int, max_bulks: int
) -> tuple[list[int], int]:
    """Bulks of random text (its size on the wire is its size, whatever a transport
    compresses), one batch each, until the server says it cut a subscriber off, then a few more
    that only a resumed tail can deliver: the ids written, and how many came before the cut-off.
    Writing stops there, so a client that reads nothing is not also ended by the server's
    unanswered pings on a busy machine."""
    written: list[int] = []

    def write_bulk() -> None:
        message = secrets.token_urlsafe(message_bytes * 3 // 4)
        written.extend(bulk(server.base_url, per_bulk, message=message))
        time.sleep(0.02)  # separate reads, so separate batches

    while CUT_OFF not in server.log.read_text() and len(written) < max_bulks * per_bulk:
        write_bulk()
    before_cut_off = len(written)
    for _ in range(BULKS_AFTER_CUT_OFF):
        write_bulk()
    return written, before_cut_off


def node_ids(edges: list[dict[str, Any]]) -> list[int]:
    return [int(edge["node"]["id"]) for edge in edges]
