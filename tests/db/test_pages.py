"""First pages from prepared statements select exactly what the statement built per request does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select, text

from db import pages
from db.levels import Level
from db.logs import LOG_COLUMNS, LogCriteria, LogRecord, filtered, find_logs, log_record
from db.models import logs
from tests.factories import create_logs, log_json

NOON = datetime(2025, 10, 9, 12, 0, tzinfo=UTC)
ONE = datetime(2025, 10, 9, 13, 0, tzinfo=UTC)
CRITERIA = [
    LogCriteria(),
    LogCriteria(levels=frozenset({Level.ERROR})),
    LogCriteria(levels=frozenset({Level.ERROR, Level.WARN})),
    LogCriteria(services=frozenset({"api"}), start_time=NOON),
    LogCriteria(services=frozenset({"api", "web"}), end_time=ONE),
    LogCriteria(
        levels=frozenset({Level.ERROR}), services=frozenset({"api"}), start_time=NOON, end_time=ONE
    ),
]


def _built(connection: Connection, criteria: LogCriteria, descending: bool, by_id: bool) -> Any:
    keys = [logs.c.id] if by_id else [logs.c.timestamp, logs.c.id]
    order = [key.desc() if descending else key.asc() for key in keys]
    statement = filtered(select(*LOG_COLUMNS), criteria).order_by(*order).limit(3)
    return [log_record(row) for row in connection.execute(statement)]


@pytest.mark.parametrize("criteria", CRITERIA)
@pytest.mark.parametrize(("descending", "by_id"), [(True, False), (False, False), (True, True)])
def test_prepared_first_page_selects_what_the_built_statement_selects(
    client: TestClient, criteria: LogCriteria, descending: bool, by_id: bool
) -> None:
    create_logs(
        client,
        log_json(
            level="ERROR", service="api", timestamp="2025-10-09T12:30:00Z", metadata_={"a": [1]}
        ),
        log_json(level="ERROR", service="api", timestamp="2025-10-09T11:30:00Z"),
        log_json(level="WARN", service="web", timestamp="2025-10-09T12:30:00Z"),
        log_json(level="ERROR", service="api", timestamp="2025-10-09T12:59:00Z"),
        log_json(level="INFO", service="db", timestamp="2025-10-09T13:00:00Z"),
        log_json(level="ERROR", service="api", timestamp="2025-10-09T13:00:00Z"),
    )
    db = client.app.state.runtime.db  # type: ignore[attr-defined]

    def both(connection: Connection) -> tuple[list[LogRecord], list[LogRecord]]:
        postgres = connection.dialect.name == "postgresql"
        if postgres:  # instants must still come back in UTC
            connection.execute(text("SET TimeZone = 'Asia/Kolkata'"))
        try:
            page = find_logs(
                connection, criteria, skip=0, limit=3, descending=descending, by_id=by_id
            )
            return page, _built(connection, criteria, descending, by_id)
        finally:
            if postgres:
                connection.execute(text("RESET TimeZone"))

    prepared, built = client.portal.call(db.read, both)  # type: ignore[union-attr]
    assert prepared == built
    assert all(log.timestamp.utcoffset() == timedelta(0) for log in prepared)
    assert pages.prepared_page(criteria, limit=3, descending=descending, by_id=by_id)


def test_other_criteria_are_built_per_request() -> None:
    for criteria in (
        LogCriteria(message_contains="x"),
        LogCriteria(negated=LogCriteria()),
        LogCriteria(levels=frozenset()),
    ):
        assert pages.prepared_page(criteria, limit=3, descending=True, by_id=False) is None
