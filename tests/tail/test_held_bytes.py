"""What a subscriber may hold is bounded in bytes too: one that falls TAIL_QUEUE_BYTES behind is
cut off with its last cursor, what it had queued is let go at once (even while it is stuck
sending), and resuming from the cursor loses nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import create_logs, log_json
from tests.tail.support import assert_cut_off_and_resumed, runtime_of, waiting_stream

QUEUE_BYTES = 64 * 1024
PER_BULK = 20
MESSAGE = "x" * 4000  # 80 kB a bulk: each batch alone is over the budget


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"enable_alerts": False, "tail_queue_bytes": QUEUE_BYTES}  # 512 batches, the default


def test_a_subscriber_behind_by_bytes_is_cut_off_and_lets_go_of_its_queue(
    client: TestClient,
) -> None:
    runtime = runtime_of(client)
    portal = client.portal
    assert portal is not None
    stream, first = waiting_stream(runtime, portal)
    (subscriber,) = runtime.log_hub._subscribers
    written: list[int] = []
    for _ in range(4):  # one batch each: the reader catches up in between
        before = runtime.tail_reader.position
        bodies = [log_json(message=MESSAGE) for _ in range(PER_BULK)]
        written += [log["id"] for log in create_logs(client, *bodies)]
        for _ in range(500):
            if runtime.tail_reader.position != before:
                break
            portal.call(asyncio.sleep, 0.01)
        assert runtime.tail_reader.position != before
    # The subscriber has not read since its first edge: cut off, and holding nothing queued.
    assert subscriber.overflowed
    assert subscriber.held_bytes == 0
    assert subscriber.queue.qsize() <= 1  # at most the wake-up that tells it so

    assert_cut_off_and_resumed(runtime, portal, stream=stream, first=first, written=written)
