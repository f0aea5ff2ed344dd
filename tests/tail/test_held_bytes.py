"""What a subscriber may hold is bounded in bytes too: one that falls TAIL_QUEUE_BYTES behind is
cut off with its last cursor, what it had queued is let go at once (even while it is stuck
sending), and resuming from the cursor loses nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.tail import tail_logs
from core.tail_cursor import SubscriberTooSlow, TailEdge
from tests.factories import create_logs, log_json
from tests.tail.support import runtime_of

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
    stream = tail_logs(runtime, log_filter=None, after=None)
    # Wrapped in a list: the portal would await a bare future. The task subscribes at once.
    (first,) = portal.call(lambda: [asyncio.ensure_future(anext(stream))])
    hub = runtime.log_hub
    for _ in range(500):
        if hub.subscriber_count:
            break
        portal.call(asyncio.sleep, 0.01)
    (subscriber,) = hub._subscribers
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
