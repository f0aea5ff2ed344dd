"""Pages filtered by pattern, read through the assignments' (pattern, timestamp, log) index
(db/pattern_pages.py), select exactly what the statement built per request selects: first
pages, cursor pages both ways, with and without a time range, and when the other conditions
reject most of the pattern's logs (the walk hands the rest to one statement)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, insert, select

from db.cursors import keyset_page
from db.keyset import Position
from db.levels import Level
from db.logs import LOG_COLUMNS, LogCriteria, LogRecord, filtered, find_logs, log_record
from db.models import log_patterns, logs
from db.pattern_pages import WALKED
from tests.factories import create_logs, log_json

COMMON, RARE, NONE = 1, 2, 3
LOGS = 1_500
# Days apart from now, so that the logs fall into many partitions (past, far past, future).
SPREAD = (0, 0, 1, 3, 40, 400, -2)


def _stamp(n: int) -> str:
    days = SPREAD[n % len(SPREAD)]
    return (datetime.now(UTC) - timedelta(days=days, seconds=n)).isoformat()


def _body(n: int) -> dict[str, Any]:
    level = "ERROR" if n % 97 == 0 else "INFO"
    service = "payment-service" if n % 2 else "auth-service"
    return log_json(timestamp=_stamp(n), level=level, service=service, message=f"line {n}")


def _pattern(log_id: int) -> int:
    return RARE if log_id % 50 == 0 else COMMON


@pytest.fixture(scope="module")
def assigned(module_client: TestClient) -> TestClient:
    """Logs written once for the module's tests, which only read them, each assigned a
    pattern as the miner stores them."""
    client = module_client
    for start in range(0, LOGS, 500):
        create_logs(client, *(_body(n) for n in range(start, start + 500)))
    db = client.app.state.runtime.db  # type: ignore[attr-defined]

    def assign(connection: Connection) -> None:
        rows = connection.execute(select(logs.c.id, logs.c.timestamp)).all()
        values = [{"log_id": n, "pattern_id": _pattern(n), "timestamp": at} for n, at in rows]
        connection.execute(insert(log_patterns), values)

    client.portal.call(db.write, assign)  # type: ignore[union-attr]
    return client


DAY_AGO = datetime.now(UTC) - timedelta(days=1, hours=1)
CRITERIA = [
    LogCriteria(patterns=frozenset({COMMON})),
    LogCriteria(patterns=frozenset({COMMON, RARE})),
    LogCriteria(patterns=frozenset({RARE}), start_time=DAY_AGO),
    LogCriteria(patterns=frozenset({RARE}), end_time=DAY_AGO),
    LogCriteria(patterns=frozenset({COMMON}), services=frozenset({"auth-service"})),
    # ERROR is one log in 97: a page of them needs more keys than the walk reads.
    LogCriteria(patterns=frozenset({COMMON}), levels=frozenset({Level.ERROR})),
    LogCriteria(patterns=frozenset({NONE})),
]


def _built(
    connection: Connection,
    criteria: LogCriteria,
    *,
    descending: bool,
    limit: int = LOGS,
) -> list[LogRecord]:
    keys = [logs.c.timestamp, logs.c.id]
    order = [key.desc() if descending else key for key in keys]
    statement = filtered(select(*LOG_COLUMNS), criteria).order_by(*order).limit(limit)
    return [log_record(row) for row in connection.execute(statement)]


def _read(client: TestClient, read: Any) -> Any:
    db = client.app.state.runtime.db  # type: ignore[attr-defined]
    return client.portal.call(db.read, read)  # type: ignore[union-attr]


def test_the_fixture_makes_the_walk_hand_the_rest_to_a_statement(assigned: TestClient) -> None:
    errors = replace(CRITERIA[-2], patterns=None)

    def count(connection: Connection) -> tuple[int, int]:
        return len(_built(connection, CRITERIA[0], descending=True)), len(
            _built(connection, errors, descending=True)
        )

    common, error_logs = _read(assigned, count)
    assert common > WALKED
    assert common / error_logs > WALKED / 50  # a page of 50 errors needs more than WALKED keys


@pytest.mark.parametrize("criteria", CRITERIA)
def test_first_pages_by_pattern_select_what_the_built_statement_selects(
    assigned: TestClient, criteria: LogCriteria
) -> None:
    def read(connection: Connection) -> list[tuple[list[LogRecord], list[LogRecord]]]:
        return [
            (
                find_logs(connection, criteria, skip=0, limit=limit, descending=descending),
                _built(connection, criteria, descending=descending, limit=limit),
            )
            for descending in (True, False)
            for limit in (1, 50, 700)
        ]

    for found, built in _read(assigned, read):
        assert found == built


@pytest.mark.parametrize("criteria", CRITERIA)
def test_cursor_pages_by_pattern_walk_what_the_built_statement_selects(
    assigned: TestClient, criteria: LogCriteria
) -> None:
    def walk(connection: Connection, descending: bool) -> list[LogRecord]:
        walked: list[LogRecord] = []
        after = None
        while page := keyset_page(
            connection, criteria, descending=descending, after=after, limit=97
        ):
            walked += page
            after = Position(page[-1].timestamp, page[-1].id)
        return walked

    def read(connection: Connection) -> list[tuple[list[LogRecord], list[LogRecord]]]:
        return [
            (walk(connection, descending), _built(connection, criteria, descending=descending))
            for descending in (True, False)
        ]

    for walked, built in _read(assigned, read):
        assert walked == built


@pytest.mark.parametrize("criteria", CRITERIA[:2])
def test_a_page_between_two_cursors_by_pattern_is_the_built_statements_slice(
    assigned: TestClient, criteria: LogCriteria
) -> None:
    def read(connection: Connection) -> tuple[list[LogRecord], list[LogRecord]]:
        built = _built(connection, criteria, descending=True)
        after, before = (Position(log.timestamp, log.id) for log in (built[10], built[-10]))
        page = keyset_page(
            connection, criteria, descending=True, after=after, before=before, limit=LOGS
        )
        return page, built[11:-10]

    page, expected = _read(assigned, read)
    assert page == expected


def test_a_pages_logs_come_from_the_keys_of_their_pattern_read_in_order(
    assigned: TestClient,
) -> None:
    """A page of 50 that every key fills reads the first 64 keys, then their logs: two
    statements, neither of which finds all of the pattern's logs."""

    def read(connection: Connection) -> tuple[list[LogRecord], list[str]]:
        sent: list[str] = []

        def record(*arguments: Any) -> None:
            sent.append(arguments[2])

        event.listen(connection, "before_cursor_execute", record)
        try:
            page = find_logs(connection, CRITERIA[0], skip=0, limit=50, descending=True)
        finally:
            event.remove(connection, "before_cursor_execute", record)
        return page, sent

    page, run = _read(assigned, read)
    assert len(page) == 50
    assert len(run) == 2, run
    keys, rows = run
    assert "FROM log_patterns" in keys
    assert "ORDER BY log_patterns" in keys
    assert "FROM logs" in rows
    assert "log_patterns" not in rows
