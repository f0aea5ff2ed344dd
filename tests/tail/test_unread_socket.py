"""Over a real socket, with the default queue of batches: a client that stops reading is cut off
once what it holds outweighs TAIL_QUEUE_BYTES, though it is far fewer batches behind than
TAIL_QUEUE_BATCHES, and resumes from its cursor with every log exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from testing.server import Server, running_servers
from testing.services import scratch_postgres_database
from tests.tail.support import TRANSPORT_WS
from tests.tail.workers import (
    Tail,
    node_ids,
    small_buffered_socket,
    tail_on,
    wait_subscribed,
    write_until_cut_off,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # a real server, its socket filled

QUEUE_BYTES = 1024 * 1024
MAX_BULKS = 24  # one batch each: far fewer than the 512 batches a queue holds
PER_BULK = 40
MESSAGE_BYTES = 12_000  # 24 x 40 x 12 kB = 11.5 MB: beyond the server's send buffer (4 MB here)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("tail-unread-socket")
    env = {"ENABLE_ALERTS": "false", "TAIL_QUEUE_BYTES": str(QUEUE_BYTES)}
    with scratch_postgres_database() as database_url:
        env["DATABASE_URL"] = database_url
        with running_servers(1, env=env, log_dir=folder) as (started,):
            yield started


def test_a_client_that_never_reads_is_cut_off_by_bytes(server: Server) -> None:
    # Its library stops taking frames off the socket after a few, so the server's socket and
    # then the subscriber's queue fill. It sends no pings of its own: their answers wait behind
    # what it does not read, and on a busy machine the writes outlast its ping timeout.
    options: dict[str, Any] = {"max_queue": 4, "max_size": None, "ping_interval": None}
    options["sock"] = small_buffered_socket(server)
    with connect(server.ws, subprotocols=[TRANSPORT_WS], **options) as client:  # type: ignore[list-item]
        tail = Tail(client, protocol=TRANSPORT_WS, variables={})
        wait_subscribed(server.base_url)
        written, written_before_cut_off = write_until_cut_off(
            server, per_bulk=PER_BULK, message_bytes=MESSAGE_BYTES, max_bulks=MAX_BULKS
        )
        received: list[dict[str, Any]] = []
        while (answer := tail.message(timeout=20)) is not None:
            assert answer["type"] == "next", answer
            if "errors" in answer["payload"]:
                break
            received.append(answer["payload"]["data"]["logs"])
    assert answer is not None, f"never cut off: {len(received)} of {len(written)} logs received"
    (error,) = answer["payload"]["errors"]
    assert error["extensions"] == {"code": "SUBSCRIBER_TOO_SLOW", "after": received[-1]["cursor"]}
    assert len(received) < written_before_cut_off  # cut off with logs still queued
    with tail_on(server.ws, after=received[-1]["cursor"]) as rest:
        resumed = rest.edges(len(written) - len(received), timeout=60)
    assert node_ids(received) + node_ids(resumed) == written
