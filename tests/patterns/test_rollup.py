"""The per-minute rollup by pattern: always what a direct count of the assigned logs gives."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import gql
from tests.factories import create_logs
from tests.patterns.support import query
from tests.patterns.test_filter import DECLINED, OPENED, declined, mined
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
