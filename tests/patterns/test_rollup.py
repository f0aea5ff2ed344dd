"""The per-minute rollup by pattern: always what a direct count of the assigned logs gives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from db.patterns import forget_pattern_counts_between
from tests.factories import create_logs
from tests.patterns.support import query
from tests.patterns.test_filter import declined, mined, opened
from tests.patterns.test_queries import patterns

FIELDS = "id count byLevel { level count }"


def rollup(client: TestClient) -> list[Any]:
    return sorted(
        query(
            client,
            "SELECT pattern_id, level, sum(count) AS n FROM pattern_counts"
            " GROUP BY pattern_id, level HAVING sum(count) > 0",
        )
    )


def direct(client: TestClient) -> list[Any]:
    return sorted(
        query(
            client,
            "SELECT a.pattern_id, l.level, count(*) AS n FROM logs l"
            " JOIN log_patterns a ON a.log_id = l.id GROUP BY a.pattern_id, l.level",
        )
    )


def test_the_rollup_holds_every_assigned_log_once(client: TestClient) -> None:
    mined(client)
    assert rollup(client) == direct(client)
    assert sum(row.n for row in rollup(client)) == 11


def test_deleting_a_log_takes_it_out_of_the_counts(client: TestClient) -> None:
    ids = mined(client)
    (gone,) = query(
        client, "SELECT id FROM logs WHERE message = 'payment 1003 declined after 21 ms'"
    )
    assert client.delete(f"/api/v1/logs/{gone.id}").status_code in (200, 204)
    assert rollup(client) == direct(client)
    counts = {p["id"]: p["count"] for p in patterns(client, "", FIELDS)}
    assert counts == {
        str(ids["payment <NUM> declined after <NUM> ms"]): 6,
        str(ids["session <NUM> opened"]): 4,
    }


def test_counts_the_rollup_cannot_answer_are_scanned_alike(client: TestClient) -> None:
    mined(client)
    create_logs(client, declined(20, message="payment 77 declined after 5 ms, retried"))
    mined(client)
    ragged = '(filter: {startTime: "2025-10-09T10:00:30Z", endTime: "2025-10-09T11:05:00.5Z"})'
    by_text = '(filter: {messageContains: "declined", startTime: "2025-10-09T10:00:30Z"})'
    for arguments in (ragged, by_text):
        found = {p["id"]: p["count"] for p in patterns(client, arguments, FIELDS)}
        where = "l.timestamp >= '2025-10-09 10:00:30'"
        if arguments is ragged:
            where += " AND l.timestamp <= '2025-10-09 11:05:00.5'"
        else:
            where += " AND l.message LIKE '%declined%'"
        expected = query(
            client,
            "SELECT a.pattern_id, count(*) AS n FROM logs l JOIN log_patterns a"
            f" ON a.log_id = l.id WHERE {where} GROUP BY a.pattern_id",
        )
        assert found == {str(row.pattern_id): row.n for row in expected}


def test_retention_forgets_the_counts_of_the_minutes_it_removed(client: TestClient) -> None:
    mined(client)
    create_logs(client, opened(9))
    engine = client.app.state.runtime.db.engine  # type: ignore[attr-defined]
    start = datetime(2025, 10, 9, 10, 0, tzinfo=UTC)
    with engine.begin() as connection:
        removed = forget_pattern_counts_between(
            connection, start=start, end=datetime(2025, 10, 9, 11, 0, tzinfo=UTC)
        )
    assert removed == 3  # declined(0), (3), (6): ten o'clock's ERROR logs, a minute each
    counts = {p["count"] for p in patterns(client, "(filter: {level: ERROR})", FIELDS)}
    assert counts == {4}
