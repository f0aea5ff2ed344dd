"""Pages walked a few partitions at a time (db/partition_walk.py) select exactly what the
statement built per request selects: oldest first with no end, cursor pages either way; logs
read by id through one generic plan (db/generic_plans.py) are the ones stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select, text

from db.cursors import keyset_page
from db.keyset import Position
from db.logs import (
    LOG_COLUMNS,
    LogCriteria,
    LogRecord,
    filtered,
    find_logs,
    get_log,
    log_record,
    logs_by_id,
)
from db.models import logs
from db.partition_layout import HIGHEST, LOWEST, Bounds
from db.partition_walk import slices
from tests.db.test_newest_first import UNBOUNDED, ago, stored, stored_once

__all__ = ["stored", "stored_once"]  # the fixtures, shared with the newest-first tests
DAY = timedelta(days=1)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _ascending(connection: Connection, criteria: LogCriteria, limit: int) -> list[LogRecord]:
    order = [logs.c.timestamp.asc(), logs.c.id.asc()]
    statement = filtered(select(*LOG_COLUMNS), criteria).order_by(*order).limit(limit)
    return [log_record(row) for row in connection.execute(statement)]


def test_slices_cover_the_range_in_groups_of_one_two_four_partitions() -> None:
    known = [Bounds(LOWEST, T0), *(Bounds(T0 + n * DAY, T0 + (n + 1) * DAY) for n in range(9))]
    known.append(Bounds(T0 + 9 * DAY, HIGHEST))
    up = list(slices(known, low=LOWEST, high=HIGHEST, descending=False))
    assert up == [
        (LOWEST, T0),
        (T0, T0 + 2 * DAY),
        (T0 + 2 * DAY, T0 + 6 * DAY),
        (T0 + 6 * DAY, HIGHEST),
    ]
    down = list(slices(known, low=T0 + DAY / 2, high=T0 + 5 * DAY, descending=True))
    assert down == [
        (T0 + 4 * DAY, T0 + 5 * DAY),
        (T0 + 2 * DAY, T0 + 4 * DAY),
        (T0 + DAY / 2, T0 + 2 * DAY),
    ]
    assert list(slices([], low=T0, high=HIGHEST, descending=True)) == [(T0, HIGHEST)]


@pytest.mark.parametrize("criteria", UNBOUNDED)
@pytest.mark.parametrize("limit", [1, 3, 50])
@pytest.mark.parametrize("start", [None, timedelta(days=5), datetime(1, 1, 1, 5, tzinfo=UTC)])
def test_an_oldest_first_page_with_no_end_selects_what_the_built_statement_selects(
    stored_once: TestClient, criteria: LogCriteria, limit: int, start: timedelta | datetime | None
) -> None:
    start_time = ago() - start if isinstance(start, timedelta) else start
    bounded = replace(criteria, start_time=start_time)
    db = stored_once.app.state.runtime.db  # type: ignore[attr-defined]

    def read(connection: Connection) -> tuple[list[LogRecord], list[LogRecord]]:
        found = find_logs(connection, bounded, skip=0, limit=limit, descending=False)
        return found, _ascending(connection, bounded, limit)

    found, built = stored_once.portal.call(db.read, read)  # type: ignore[union-attr]
    assert found == built


@pytest.mark.parametrize("criteria", UNBOUNDED)
@pytest.mark.parametrize("descending", [False, True])
def test_cursor_pages_walk_either_way_what_the_built_statement_selects(
    stored_once: TestClient, criteria: LogCriteria, descending: bool
) -> None:
    """Forward oldest first (no end: walked), and backwards from each newest-first page's
    first position (a lower bound from the cursor, pruned)."""
    db = stored_once.app.state.runtime.db  # type: ignore[attr-defined]

    def walk(connection: Connection) -> tuple[list[LogRecord], list[LogRecord], bool]:
        walked: list[LogRecord] = []
        after = None
        while page := keyset_page(
            connection, criteria, descending=descending, after=after, limit=2
        ):
            walked += page
            after = Position(page[-1].timestamp, page[-1].id)
        everything = _ascending(connection, criteria, 100)
        if descending:
            everything.reverse()
        back_ok = all(
            keyset_page(
                connection,
                criteria,
                descending=not descending,
                after=Position(log.timestamp, log.id),
                limit=100,
            )
            == list(reversed(everything[:at]))
            for at, log in enumerate(everything)
        )
        return walked, everything, back_ok

    walked, everything, back_ok = stored_once.portal.call(db.read, walk)  # type: ignore[union-attr]
    assert walked == everything
    assert back_ok


def test_logs_by_id_find_them_in_any_partition_through_one_statement(stored: TestClient) -> None:
    db = stored.app.state.runtime.db  # type: ignore[attr-defined]

    def read(connection: Connection) -> tuple[bool, set[str]]:
        every = {log.id: log for log in _ascending(connection, LogCriteria(), 100)}
        ids = sorted(every)
        same = all(
            logs_by_id(connection, [*ids[:size], -1]) == {n: every[n] for n in ids[:size]}
            and get_log(connection, ids[size - 1]) == every[ids[size - 1]]
            for size in range(1, len(ids) + 1)
        )
        if connection.dialect.name != "postgresql":
            return same, set()
        texts = connection.execute(text("SELECT statement FROM pg_prepared_statements"))
        return same, set(texts.scalars())

    same, prepared = stored.portal.call(db.read, read)  # type: ignore[union-attr]
    assert same
    assert len([statement for statement in prepared if "ANY" in statement]) <= 1


@pytest.mark.parametrize("criteria", UNBOUNDED)
@pytest.mark.parametrize("descending", [False, True])
def test_offset_pages_select_what_the_built_statement_selects(
    stored_once: TestClient, criteria: LogCriteria, descending: bool
) -> None:
    db = stored_once.app.state.runtime.db  # type: ignore[attr-defined]

    def read(connection: Connection) -> list[tuple[list[LogRecord], list[LogRecord]]]:
        everything = _ascending(connection, criteria, 100)
        if descending:
            everything.reverse()
        return [
            (
                find_logs(connection, criteria, skip=skip, limit=limit, descending=descending),
                everything[skip : skip + limit],
            )
            for skip in range(1, len(everything) + 2)
            for limit in (1, 2, 50)
        ]

    for found, expected in stored_once.portal.call(db.read, read):  # type: ignore[union-attr]
        assert found == expected


@pytest.mark.parametrize("skip", [0, 1, 4, 20])
def test_pages_by_id_select_what_the_built_statement_selects(
    stored_once: TestClient, skip: int
) -> None:
    db = stored_once.app.state.runtime.db  # type: ignore[attr-defined]

    def read(connection: Connection) -> tuple[list[LogRecord], list[LogRecord]]:
        found = find_logs(
            connection, LogCriteria(), skip=skip, limit=3, descending=False, by_id=True
        )
        statement = select(*LOG_COLUMNS).order_by(logs.c.id).offset(skip).limit(3)
        return found, [log_record(row) for row in connection.execute(statement)]

    found, built = stored_once.portal.call(db.read, read)  # type: ignore[union-attr]
    assert found == built
