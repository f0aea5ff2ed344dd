"""The in-memory match agrees with the SQL filter, condition by condition, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from core.filters import LogFilter, to_criteria
from db.levels import Level
from db.logs import LogCriteria, find_logs
from db.matching import matches
from tests.factories import create_logs, log_json

FILTERS = [
    LogFilter(),
    LogFilter(level=Level.ERROR),
    LogFilter(min_level=Level.WARN),
    LogFilter(levels=[Level.INFO, Level.FATAL], min_level=Level.WARN),
    LogFilter(service="api"),
    LogFilter(services=["api", "web"], service="web"),
    LogFilter(start_time=datetime(2025, 10, 9, 12, 30, tzinfo=UTC)),
    LogFilter(end_time=datetime(2025, 10, 9, 12, 30, tzinfo=UTC)),
    LogFilter(message_contains="TimeOut"),
    LogFilter(message_contains="100%_"),
    LogFilter(level=Level.ERROR, service="api", message_contains="time"),
]


@pytest.mark.parametrize("log_filter", FILTERS)
def test_matches_selects_what_the_sql_selects(client: TestClient, log_filter: LogFilter) -> None:
    create_logs(
        client,
        log_json(level="ERROR", service="api", message="upstream timeout"),
        log_json(level="WARN", service="web", message="slow", timestamp="2025-10-09T12:30:00Z"),
        log_json(level="INFO", service="api", message="100%_ done"),
        log_json(level="FATAL", service="db", message="TIMEOUT", timestamp="2025-10-09T13:00:00Z"),
    )
    db = client.app.state.runtime.db  # type: ignore[attr-defined]
    everything = client.portal.call(  # type: ignore[union-attr]
        db.read, lambda c: find_logs(c, LogCriteria(), skip=0, limit=100, descending=False)
    )
    criteria = to_criteria(log_filter)
    selected = client.portal.call(  # type: ignore[union-attr]
        db.read, lambda c: find_logs(c, criteria, skip=0, limit=100, descending=False)
    )
    assert [log.id for log in everything if matches(criteria, log)] == [log.id for log in selected]
