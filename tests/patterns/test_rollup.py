"""The rollups by pattern (per minute, per hour): always what a direct count of the assigned
logs gives, whatever range is asked."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import gql
from tests.factories import create_logs
from tests.patterns.support import catch_up, query, statements
from tests.patterns.test_filter import DECLINED, OPENED, declined, mined
from tests.patterns.test_queries import patterns

FIELDS = "id count byLevel { level count }"


def rollup(client: TestClient) -> list[Any]:
    """The per-minute rollup's totals, checked equal to the hourly one's."""
    found = [
        sorted(
            query(
                client,
                f"SELECT pattern_id, level, sum(count) AS n FROM {table}"
                " GROUP BY pattern_id, level HAVING sum(count) > 0",
            )
        )
        for table in ("pattern_counts", "pattern_counts_hourly")
    ]
    assert found[0] == found[1]
    return found[0]


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


def test_retention_forgets_the_pattern_counts_of_the_logs_it_removed(client: TestClient) -> None:
    ids = mined(client)  # of 2025-10-09: declined ones are ERROR, opened ones INFO
    upsert = "mutation($r: RetentionRuleInput!) { upsertRetentionRule(input: $r) { name } }"
    apply = "mutation { applyRetention { deletedLogs droppedPartitions } }"
    # Some logs of a partition (row deletes), then all of them (a dropped one on PostgreSQL).
    for rule in ({"name": "errors", "levels": ["ERROR"], "days": 30}, {"name": "all", "days": 30}):
        assert "errors" not in gql(client, upsert, {"r": rule})
        assert "errors" not in gql(client, apply)
        assert rollup(client) == direct(client)
        counts = {p["id"]: p["count"] for p in patterns(client, "", FIELDS)}
        assert counts.get(str(ids[DECLINED]), 0) == 0
        assert counts.get(str(ids[OPENED]), 0) == (4 if rule["name"] == "errors" else 0)


START = datetime(2025, 10, 9, 8, 0, tzinfo=UTC)


def spread(client: TestClient) -> None:
    """Logs of two patterns and levels every 7 min 13 s over 8 hours, then mined."""
    create_logs(
        client,
        *(
            declined(
                n,
                level="ERROR" if n % 4 else "WARN",
                message=f"payment {n} declined after {n} ms" if n % 3 else f"session {n} opened",
                timestamp=(START + n * timedelta(minutes=7, seconds=13)).isoformat(),
            )
            for n in range(67)
        ),
    )
    catch_up(client)


def at(minutes: float) -> str:
    return (START + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


RANGES = [
    (at(37.5), at(6 * 60 + 11.25)),  # ragged minutes and partial hours at both ends
    (at(12.5), at(5 * 60 + 50.5)),  # most of an hour at either end: the hour less minutes
    (at(60), at(5 * 60)),  # whole hours, the end inclusive
    (at(75), at(118)),  # within one hour
    (at(2 * 60 + 59), at(3 * 60 + 1)),  # across an hour's edge
    (at(90.5), None),  # no end
    (None, at(4 * 60 + 30)),  # no start
]


@pytest.mark.parametrize(("start", "end"), RANGES)
def test_counts_over_partial_hours_equal_a_direct_count(
    client: TestClient, start: str | None, end: str | None
) -> None:
    spread(client)
    bounds = {"startTime": start, "endTime": end}
    written = ", ".join(f'{name}: "{value}"' for name, value in bounds.items() if value)
    found = patterns(client, f"(filter: {{{written}}})", FIELDS)
    where = ["true"]
    if start is not None:
        where.append(f"l.timestamp >= '{start[:-1].replace('T', ' ')}'")
    if end is not None:
        where.append(f"l.timestamp <= '{end[:-1].replace('T', ' ')}'")
    direct = query(
        client,
        "SELECT a.pattern_id, l.level, count(*) AS n FROM logs l JOIN log_patterns a"
        f" ON a.log_id = l.id WHERE {' AND '.join(where)} GROUP BY a.pattern_id, l.level",
    )
    expected: dict[str, dict[str, int]] = {}
    for row in direct:
        expected.setdefault(str(row.pattern_id), {})[row.level] = row.n
    assert {p["id"]: {c["level"]: c["count"] for c in p["byLevel"]} for p in found} == expected
    assert {p["id"]: p["count"] for p in found} == {
        key: sum(levels.values()) for key, levels in expected.items()
    }


def test_a_day_of_counts_reads_the_hourly_rollup(client: TestClient) -> None:
    spread(client)
    with statements(client) as run:
        found = patterns(client, f'(filter: {{startTime: "{at(-16 * 60)}"}})', "count")
    assert sum(p["count"] for p in found) == 67
    assert any("pattern_counts_hourly" in sql for sql in run)


def test_histograms_by_the_hour_and_minute_equal_the_logs_histogram(client: TestClient) -> None:
    spread(client)
    for interval, (start, end) in itertools.product(("HOUR", "MINUTE", "DAY"), RANGES[:2]):
        window = f'startTime: "{start}", endTime: "{end}"'
        histogram = f"histogram(interval: {interval}) {{ start count }}"
        document = f"{{ patterns(filter: {{{window}}}) {{ id {histogram} }} }}"
        for found in gql(client, document)["data"]["patterns"]:
            plain = f"""{{ histogram(filter: {{{window}, patterns: ["{found["id"]}"]}},
                interval: {interval}) {{ start count }} }}"""
            assert found["histogram"] == gql(client, plain)["data"]["histogram"]
