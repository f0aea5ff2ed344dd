"""Over a real socket: a client that stops reading is cut off with its last cursor once its
queue is full, and resumes from that cursor with every log exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from testing.server import Server, running_servers
from testing.services import scratch_postgres_database
from tests.tail.support import TAIL, TRANSPORT_WS
from tests.tail.workers import (
    node_ids,
    small_buffered_socket,
    tail_on,
    wait_subscribed,
    write_until_cut_off,
)

pytestmark = [pytest.mark.postgres]

QUEUE_BATCHES = 4
MAX_BULKS = 80  # 80 x 50 x 16 kB = 64 MB, far beyond the sockets' buffers and the queue
PER_BULK = 50
MESSAGE_BYTES = 16_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("tail-slow-socket")
    env = {"ENABLE_ALERTS": "false", "TAIL_QUEUE_BATCHES": str(QUEUE_BATCHES)}
    with scratch_postgres_database() as database_url:
        env["DATABASE_URL"] = database_url
        with running_servers(1, env=env, log_dir=folder) as (started,):
            yield started


@pytest.mark.slow
def test_a_client_that_stops_reading_is_cut_off_and_resumes_exactly(server: Server) -> None:
    # The client reads nothing while the logs are written: its library stops taking frames
    # off the socket after a few, so the server's socket and then its queue fill. A client that
    # does not read cannot see its own keepalive pongs either: it sends no pings, or a slow
    # write phase on a busy machine would end the socket from this side (1011). The server's
    # pings go unanswered too, so the write phase must end within its ping interval plus
    # timeout (40 s) however busy the machine: it stops as soon as the server says it cut the
    # subscriber off, and a small fixed receive buffer and no compression (deflating random
    # text is most of a write's cost) make that come after few writes.
    options: dict[str, Any] = {
        "max_queue": 4,
        "max_size": None,
        "ping_interval": None,
        "compression": None,
        "sock": small_buffered_socket(server),
    }
    with connect(server.ws, subprotocols=[TRANSPORT_WS], **options) as client:  # type: ignore[list-item]
        client.send(json.dumps({"type": "connection_init"}))
        assert json.loads(client.recv(timeout=10)) == {"type": "connection_ack"}
        payload = {"query": TAIL, "variables": {}}
        client.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        wait_subscribed(server.base_url)
        written, written_before_cut_off = write_until_cut_off(
            server, per_bulk=PER_BULK, message_bytes=MESSAGE_BYTES, max_bulks=MAX_BULKS
        )
        received, error = read_until_error(client)
    assert error["extensions"]["code"] == "SUBSCRIBER_TOO_SLOW"
    assert error["extensions"]["after"] == received[-1]["cursor"]
    assert len(received) < written_before_cut_off  # cut off with batches still queued
    with tail_on(server.ws, after=received[-1]["cursor"]) as rest:
        resumed = rest.edges(len(written) - len(received), timeout=60)
    assert node_ids(received) + node_ids(resumed) == written


def read_until_error(client: ClientConnection) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The edges received before the subscription's error, and that error."""
    received: list[dict[str, Any]] = []
    while True:
        message = json.loads(client.recv(timeout=20))
        assert message["type"] == "next", message
        if "errors" in message["payload"]:
            (error,) = message["payload"]["errors"]
            return received, error
        received.append(message["payload"]["data"]["logs"])
