"""`stats` reads hourly rollups for whole hours and scans only the ragged edges: same answers."""

from __future__ import annotations

from datetime import datetime
from itertools import product

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import gql
from tests.factories import create_logs, log_json

STATS = """
query($filter: LogFilter) {
  stats(filter: $filter) { totalLogs byLevel { level count } byService { service count } }
}
"""
STAMPS = [
    "2025-01-01T09:15:00+00:00",
    "2025-01-01T10:59:59.999999+00:00",
    "2025-01-01T11:00:00+00:00",
    "2025-01-01T11:30:00+00:00",
    "2025-01-01T12:00:00+00:00",
    "2025-01-01T12:59:59.999999+00:00",
    "2025-01-01T13:00:00+00:00",
    "2025-01-01T13:00:00.000001+00:00",
    "2025-01-01T15:45:00+00:00",
]
BOUNDS = [None, *STAMPS[1:8], "2025-01-01T11:00:00.5+00:00", "2025-01-01T12:30:00+02:00"]


def seed(client: TestClient) -> None:
    create_logs(
        client,
        *[
            log_json(timestamp=stamp, level=level, service=service)
            for stamp in STAMPS
            for level, service in (("INFO", "api"), ("ERROR", "pay"))
        ],
    )


def expected_total(start: str | None, end: str | None) -> int:
    def inside(stamp: str) -> bool:
        moment = datetime.fromisoformat(stamp)
        after = start is None or moment >= datetime.fromisoformat(start)
        return after and (end is None or moment <= datetime.fromisoformat(end))

    return 2 * sum(inside(stamp) for stamp in STAMPS)


@pytest.mark.slow
def test_stats_match_exact_counts_at_every_hour_edge(client: TestClient) -> None:
    seed(client)
    for start, end in product(BOUNDS, BOUNDS):
        if start and end and datetime.fromisoformat(start) > datetime.fromisoformat(end):
            continue
        stats = gql(client, STATS, {"filter": {"startTime": start, "endTime": end}})
        assert stats["data"]["stats"]["totalLogs"] == expected_total(start, end), (start, end)


def test_stats_by_level_and_service_within_a_window(client: TestClient) -> None:
    seed(client)
    window = {"startTime": STAMPS[2], "endTime": STAMPS[6], "services": ["pay"]}
    stats = gql(client, STATS, {"filter": window})["data"]["stats"]
    assert stats == {
        "totalLogs": 5,
        "byLevel": [{"level": "ERROR", "count": 5}],
        "byService": [{"service": "pay", "count": 5}],
    }


def test_stats_forget_deleted_logs(client: TestClient) -> None:
    created = create_logs(client, log_json(level="ERROR"), log_json(level="INFO"))
    client.delete(f"/api/v1/logs/{created[0]['id']}")
    stats = gql(client, STATS)["data"]["stats"]
    assert stats["totalLogs"] == 1
    assert stats["byLevel"] == [{"level": "INFO", "count": 1}]


def test_stats_count_rows_written_around_the_app(client: TestClient) -> None:
    engine = client.app.state.runtime.db.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO logs (timestamp, level, service, message) "
                "VALUES (:ts, 'WARN', 'cron', 'direct')"
            ),
            {"ts": datetime.fromisoformat("2025-01-01T00:00:00+00:00")},
        )
    assert gql(client, STATS)["data"]["stats"]["byService"] == [{"service": "cron", "count": 1}]


def test_stats_with_message_filter_scan_the_logs(client: TestClient) -> None:
    seed(client)
    stats = gql(client, STATS, {"filter": {"messageContains": "LOGGED", "startTime": STAMPS[3]}})
    assert stats["data"]["stats"]["totalLogs"] == 2 * len(STAMPS[3:])
