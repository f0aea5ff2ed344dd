"""A subscriber that falls a whole queue behind is cut off with its last cursor, and resuming
from that cursor loses nothing; ingest and other subscribers never wait for it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import create_logs, log_json
from tests.tail.support import assert_cut_off_and_resumed, runtime_of, waiting_stream

QUEUE_BATCHES = 2


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"enable_alerts": False, "tail_queue_batches": QUEUE_BATCHES}


def test_a_slow_subscriber_is_cut_off_with_its_last_cursor(client: TestClient) -> None:
    runtime = runtime_of(client)
    portal = client.portal
    assert portal is not None
    stream, first = waiting_stream(runtime, portal)
    written = [log["id"] for log in create_logs(client, log_json())]
    for _ in range(QUEUE_BATCHES + 2):  # one batch each: the reader catches up in between
        before = runtime.tail_reader.position
        written += [log["id"] for log in create_logs(client, log_json(), log_json())]
        for _ in range(500):
            if runtime.tail_reader.position != before:
                break
            portal.call(asyncio.sleep, 0.01)
        assert runtime.tail_reader.position != before

    assert_cut_off_and_resumed(runtime, portal, stream=stream, first=first, written=written)
