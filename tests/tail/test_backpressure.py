"""A subscriber that falls a whole queue behind is cut off with its last cursor, and resuming
from that cursor loses nothing; ingest and other subscribers never wait for it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.tail import tail_logs
from core.tail_cursor import SubscriberTooSlow, TailEdge
from tests.factories import create_logs, log_json
from tests.tail.support import runtime_of

QUEUE_BATCHES = 2


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"enable_alerts": False, "tail_queue_batches": QUEUE_BATCHES}


def test_a_slow_subscriber_is_cut_off_with_its_last_cursor(client: TestClient) -> None:
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
    written = [log["id"] for log in create_logs(client, log_json())]
    for _ in range(QUEUE_BATCHES + 2):  # one batch each: the reader catches up in between
        before = runtime.tail_reader.position
        written += [log["id"] for log in create_logs(client, log_json(), log_json())]
        for _ in range(500):
            if runtime.tail_reader.position != before:
                break
            portal.call(asyncio.sleep, 0.01)
        assert runtime.tail_reader.position != before

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
