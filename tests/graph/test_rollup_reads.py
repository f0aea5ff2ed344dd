"""`stats`, `histogram`, `totalCount` and REST stats, served from rollups and their deltas,
equal a scan as soon as a spread-out write or a delete has committed, read by another app."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core import compactor as compactor_module
from core.compactor import RollupCompactor
from main import create_app
from tests.conftest import app_settings, gql
from tests.factories import create_logs, log_json

START = datetime(2025, 6, 1, tzinfo=UTC)
# Matches every log, yet no rollup can count it: the scan the rollup answers are held against.
SCANNED = {"not": {"services": ["no such service"]}}
WINDOWS: list[dict[str, Any]] = [
    {},
    {"startTime": "2025-06-01T05:17:03Z", "endTime": "2025-06-02T20:41:00.5Z"},
    {"startTime": "2025-06-01T12:00:00Z", "endTime": "2025-06-01T23:59:59.999999Z"},
]
READS = """
query($filter: LogFilter, $interval: HistogramInterval!) {
  stats(filter: $filter) { totalLogs byLevel { level count } byService { service count } }
  histogram(filter: $filter, interval: $interval) { start count byLevel { level count } }
  logsConnection(filter: $filter, first: 1) { totalCount }
}
"""


@pytest.fixture
def reader(database_url: str, settings_overrides: dict[str, Any]) -> Iterator[TestClient]:
    """A second app on the same database, as another worker process would be."""
    app = create_app(app_settings(database_url=database_url, **settings_overrides))
    with TestClient(app) as test_client:
        yield test_client


def spread_bodies(count: int, *, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        log_json(
            timestamp=(START + timedelta(days=2) * rng.random()).isoformat(),
            level=rng.choice(["DEBUG", "INFO", "WARN", "ERROR"]),
            service=rng.choice(["api", "pay", "web"]),
        )
        for _ in range(count)
    ]


def answers(client: TestClient, window: dict[str, Any], interval: str) -> dict[str, Any]:
    body = gql(client, READS, {"filter": window, "interval": interval})
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def assert_rollup_answers_equal_a_scan(client: TestClient) -> None:
    for window in WINDOWS:
        # Without a start the buckets reach from the first log to now: days, not minutes.
        for interval in ("MINUTE", "HOUR") if window else ("DAY",):
            scanned = answers(client, {**window, **SCANNED}, interval)
            assert answers(client, window, interval) == scanned, (window, interval)
    rest = client.get("/api/v1/stats/").json()
    stats = answers(client, SCANNED, "DAY")["stats"]
    assert rest == {
        "total_logs": stats["totalLogs"],
        "by_level": {item["level"]: item["count"] for item in stats["byLevel"]},
        "by_service": {item["service"]: item["count"] for item in stats["byService"]},
    }


@pytest.mark.slow
def test_reads_from_another_app_equal_a_scan_right_after_each_write_and_delete(
    client: TestClient, reader: TestClient
) -> None:
    created = []
    for seed in range(3):
        created += create_logs(client, *spread_bodies(400, seed=seed))
        assert_rollup_answers_equal_a_scan(reader)
    for log in created[::5]:
        assert client.delete(f"/api/v1/logs/{log['id']}").status_code == 200
    assert_rollup_answers_equal_a_scan(reader)


@pytest.mark.slow
def test_answers_stay_the_same_once_the_deltas_are_folded(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compactor_module, "MAX_DELTAS", 97)  # a fold of several statements
    create_logs(client, *spread_bodies(600, seed=7))
    before = answers(client, WINDOWS[1], "MINUTE")
    compactor = RollupCompactor(db=client.app.state.runtime.db)  # type: ignore[attr-defined]
    client.portal.call(compactor.fold)  # type: ignore[union-attr]
    assert client.portal.call(compactor.fold) == 0  # type: ignore[union-attr]
    assert answers(client, WINDOWS[1], "MINUTE") == before
    assert_rollup_answers_equal_a_scan(client)
