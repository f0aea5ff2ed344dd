"""Over a real socket: a client that stops reading is cut off with its last cursor once its
queue is full, and resumes from that cursor with every log exactly once."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from testing.server import Server, running_servers
from testing.services import scratch_postgres_database
from tests.tail.support import TAIL, TRANSPORT_WS
from tests.tail.workers import bulk, node_ids, tail_on, wait_subscribed

pytestmark = [pytest.mark.postgres]

QUEUE_BATCHES = 4
BULKS = 40
PER_BULK = 50
MESSAGE_BYTES = 16_000  # 40 x 50 x 16 kB = 32 MB, far beyond the sockets' buffers (4 MB here)


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
    # off the socket after a few, so the server's socket and then its queue fill.
    options: dict[str, Any] = {"max_queue": 4, "max_size": None}
    with connect(server.ws, subprotocols=[TRANSPORT_WS], **options) as socket:  # type: ignore[list-item]
        socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(socket.recv(timeout=10)) == {"type": "connection_ack"}
        payload = {"query": TAIL, "variables": {}}
        socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        wait_subscribed(server.base_url)
        written: list[int] = []
        for _ in range(BULKS):
            # Random text: compressible messages would shrink 1000-fold under permessage-deflate.
            message = secrets.token_urlsafe(MESSAGE_BYTES * 3 // 4)
            written += bulk(server.base_url, PER_BULK, message=message)
            time.sleep(0.02)  # separate reads, so separate batches
        received, error = read_until_error(socket)
    assert error["extensions"]["code"] == "SUBSCRIBER_TOO_SLOW"
    assert error["extensions"]["after"] == received[-1]["cursor"]
    assert len(received) < len(written) // 2  # cut off, not handed everything
    with tail_on(server.ws, after=received[-1]["cursor"]) as rest:
        resumed = rest.edges(len(written) - len(received), timeout=60)
    assert node_ids(received) + node_ids(resumed) == written


def read_until_error(socket: ClientConnection) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The edges received before the subscription's error, and that error."""
    received: list[dict[str, Any]] = []
    while True:
        message = json.loads(socket.recv(timeout=20))
        assert message["type"] == "next", message
        if "errors" in message["payload"]:
            (error,) = message["payload"]["errors"]
            return received, error
        received.append(message["payload"]["data"]["logs"])
