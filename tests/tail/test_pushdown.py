"""The reader's query selects only what its subscribers' filters select, its position still
moves past everything else, and tails join only between two reads (so the read after a join
includes the new tail's filter)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.filters import LogFilter
from core.tail import tail_logs
from db import tail
from db.logs import LogCriteria
from tests.factories import create_logs, log_json
from tests.tail.support import edges, ids, runtime_of, tailing


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"enable_alerts": False}


def test_the_poll_reads_only_wanted_logs_and_moves_past_the_rest(client: TestClient) -> None:
    db = runtime_of(client).db
    portal = client.portal
    assert portal is not None
    before = portal.call(db.read, tail.head)
    written = create_logs(client, log_json(service="api"), log_json(service="web"))
    wanted = LogCriteria(services=frozenset({"web"}))
    upto, rows = portal.call(db.read, lambda connection: tail.poll(connection, before, wanted))
    assert [row.record.id for row in rows] == [int(written[1]["id"])]
    # Past the unwanted log too: from `upto` no log is left, wanted or not. (Positions are not
    # compared: a background transaction, such as a rollup fold, may commit between two polls.)
    assert portal.call(db.read, lambda connection: tail.poll(connection, upto))[1] == []
    assert portal.call(db.read, lambda connection: tail.poll(connection, upto, wanted))[1] == []


def test_tails_with_different_filters_each_get_theirs(client: TestClient) -> None:
    with (
        tailing(client, filter={"service": "api"}) as api,
        tailing(client, filter={"level": "ERROR"}) as errors,
    ):
        written = create_logs(
            client,
            log_json(service="api", level="INFO"),
            log_json(service="web", level="ERROR"),
            log_json(service="web", level="INFO"),
            log_json(service="api", level="ERROR"),
        )
        wanted = [int(log["id"]) for log in written]
        assert ids(edges(api, 2)) == [wanted[0], wanted[3]]
        assert ids(edges(errors, 2)) == [wanted[1], wanted[3]]


def test_a_tail_joins_only_between_reads_and_misses_nothing(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = runtime_of(client)
    portal = client.portal
    assert portal is not None
    reader = runtime.tail_reader
    with tailing(client, filter={"service": "api"}):
        in_flight = asyncio.Event()  # stands for a read that began before the `web` tail came
        real_read = reader._read

        async def after_the_stand_in() -> None:
            # A real read starting meanwhile would replace the stand-in, and its end let the
            # `web` tail join early: the reader's next reads wait for the stand-in to end.
            await in_flight.wait()
            await real_read()

        monkeypatch.setattr(reader, "_read", after_the_stand_in)

        def begin_read() -> bool:
            # Not over a real read: its end would clear (and set) the stand-in.
            if reader._reading is not None:
                return False
            reader._reading = in_flight
            return True

        while not portal.call(begin_read):
            portal.call(asyncio.sleep, 0.01)
        stream = tail_logs(runtime, log_filter=LogFilter(service="web"), after=None)
        (first,) = portal.call(lambda: [asyncio.ensure_future(anext(stream))])
        portal.call(asyncio.sleep, 0.2)
        assert runtime.log_hub.subscriber_count == 1  # the `web` tail waits for that read
        written = create_logs(client, log_json(service="web"))

        def end_read() -> None:
            if reader._reading is in_flight:
                reader._reading = None
            in_flight.set()

        portal.call(end_read)
        edge = portal.call(asyncio.wait_for, first, 5)
        assert edge.node.id == int(written[0]["id"])
        portal.call(stream.aclose)
