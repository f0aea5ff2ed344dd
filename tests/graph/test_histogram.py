"""`histogram`: UTC-aligned, zero-filled buckets, the same from rollups as from a scan."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import gql
from tests.factories import create_logs, log_json

HISTOGRAM = """
query($filter: LogFilter, $interval: HistogramInterval!) {
  histogram(filter: $filter, interval: $interval) { start count byLevel { level count } }
}
"""
WIDTHS = {
    "MINUTE": timedelta(minutes=1),
    "FIFTEEN_MINUTES": timedelta(minutes=15),
    "HOUR": timedelta(hours=1),
    "SIX_HOURS": timedelta(hours=6),
    "DAY": timedelta(days=1),
}
STAMPS = [
    "2025-01-01T05:59:59.999999+00:00",
    "2025-01-01T06:00:00+00:00",
    "2025-01-01T09:15:00+00:00",
    "2025-01-01T10:59:59.999999+00:00",
    "2025-01-01T11:00:00+00:00",
    "2025-01-01T12:00:00.000001+00:00",
    "2025-01-01T13:00:00+00:00",
    "2025-01-01T23:59:30+00:00",
    "2025-01-02T00:00:00+00:00",
]
BOUNDS = [
    ("2025-01-01T05:00:00+00:00", "2025-01-02T00:00:00+00:00"),
    ("2025-01-01T06:00:00+00:00", "2025-01-01T12:59:59.999999+00:00"),
    ("2025-01-01T09:15:00+00:00", "2025-01-01T11:00:00+00:00"),
    ("2025-01-01T10:30:00+00:00", "2025-01-01T13:00:00+00:00"),
    ("2025-01-01T11:00:00.5+00:00", "2025-01-01T11:30:00+00:00"),
]


def buckets(client: TestClient, interval: str, **log_filter: Any) -> list[dict[str, Any]]:
    body = gql(client, HISTOGRAM, {"interval": interval, "filter": log_filter})
    assert "errors" not in body, body
    result: list[dict[str, Any]] = body["data"]["histogram"]
    return result


def error(client: TestClient, interval: str, **log_filter: Any) -> dict[str, Any]:
    body = gql(client, HISTOGRAM, {"interval": interval, "filter": log_filter})
    (first,) = body["errors"]
    extensions: dict[str, Any] = first["extensions"]
    return extensions


def seed(client: TestClient) -> None:
    create_logs(
        client,
        *[
            log_json(timestamp=stamp, level=level, service=service)
            for stamp in STAMPS
            for level, service in (("INFO", "api"), ("ERROR", "pay"), ("ERROR", "api"))
        ],
    )


def expected(start: str, end: str, width: timedelta, levels: set[str]) -> list[tuple[str, int]]:
    """Brute force: every aligned bucket from start's to end's, with the seeded logs in it."""
    low, high = datetime.fromisoformat(start), datetime.fromisoformat(end)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    per_log = 2 if levels == {"ERROR"} else 3
    counts: Counter[datetime] = Counter()
    for stamp in map(datetime.fromisoformat, STAMPS):
        if low <= stamp <= high:
            counts[epoch + (stamp - epoch) // width * width] += per_log
    first = epoch + (low - epoch) // width * width
    last = epoch + (high - epoch) // width * width
    steps = (last - first) // width + 1
    return [((first + i * width).isoformat(), counts[first + i * width]) for i in range(steps)]


@pytest.mark.slow
@pytest.mark.parametrize("interval", ["MINUTE", "FIFTEEN_MINUTES", "HOUR", "SIX_HOURS", "DAY"])
def test_buckets_are_aligned_zero_filled_and_count_right_at_every_edge(
    client: TestClient, interval: str
) -> None:
    seed(client)
    for start, end in BOUNDS:
        for levels in ({"ERROR"}, {"INFO", "ERROR"}):
            found = buckets(client, interval, startTime=start, endTime=end, levels=sorted(levels))
            want = expected(start, end, WIDTHS[interval], levels)
            assert [(b["start"], b["count"]) for b in found] == want, (start, end, levels)


def test_by_level_lists_the_levels_present_least_severe_first(client: TestClient) -> None:
    seed(client)
    (bucket,) = buckets(
        client, "HOUR", startTime="2025-01-01T06:00:00Z", endTime="2025-01-01T06:30:00Z"
    )
    assert bucket["byLevel"] == [{"level": "INFO", "count": 1}, {"level": "ERROR", "count": 2}]
    empty = buckets(client, "HOUR", startTime="2025-01-01T07:00:00Z", endTime="2025-01-01T07:01Z")
    assert empty == [{"start": "2025-01-01T07:00:00+00:00", "count": 0, "byLevel": []}]


def test_scanned_filters_count_like_rollups(client: TestClient) -> None:
    seed(client)
    span = {"startTime": "2025-01-01T05:00:00Z", "endTime": "2025-01-02T00:00:00Z"}
    by_rollup = buckets(client, "HOUR", service="api", **span)
    by_scan = buckets(client, "HOUR", **span, metadata=[{"path": "request_id", "exists": True}])
    assert [b["count"] for b in by_scan] == [b["count"] * 3 // 2 for b in by_rollup]
    assert buckets(client, "MINUTE", messageMatches="^user", **span)[0]["count"] == 0


def test_without_start_time_buckets_begin_at_the_first_match(client: TestClient) -> None:
    seed(client)
    found = buckets(client, "HOUR", endTime="2025-01-01T12:00:00Z", level="INFO")
    assert found[0]["start"] == "2025-01-01T05:00:00+00:00"
    assert found[-1]["start"] == "2025-01-01T12:00:00+00:00"
    assert buckets(client, "HOUR", service="nobody") == []


def test_without_end_time_buckets_reach_now(client: TestClient) -> None:
    create_logs(client, log_json(timestamp=datetime.now(UTC).isoformat()))
    before = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    found = buckets(client, "HOUR", startTime=(before - timedelta(hours=2)).isoformat())
    assert [b["count"] for b in found] == [0, 0, 1]
    assert datetime.fromisoformat(found[-1]["start"]) == before


@pytest.mark.slow
def test_bucket_count_is_capped(client: TestClient) -> None:
    span = {"startTime": "2025-01-01T00:00:00Z", "endTime": "2025-01-07T22:39:00Z"}
    assert len(buckets(client, "MINUTE", **span)) == 10_000
    wide = {"startTime": "2025-01-01T00:00:00Z", "endTime": "2025-01-07T22:40:00Z"}
    assert error(client, "MINUTE", **wide) == {"code": "BAD_USER_INPUT", "field": "interval"}
    create_logs(client, log_json(timestamp="2025-01-01T00:00:00Z"))
    assert error(client, "MINUTE") == {"code": "BAD_USER_INPUT", "field": "interval"}


@pytest.mark.parametrize(
    ("log_filter", "field"),
    [
        ({"startTime": "0001-01-01T00:00:00Z"}, "startTime"),
        ({"endTime": "9999-12-31T23:59:59.999999Z"}, "endTime"),
        ({"not": {"endTime": "9999-12-31T23:59:59Z"}}, "not.endTime"),
    ],
)
def test_times_at_the_calendar_ends_are_bad_user_input(
    client: TestClient, log_filter: dict[str, Any], field: str
) -> None:
    for query in (HISTOGRAM, "query($filter: LogFilter) { stats(filter: $filter) { totalLogs } }"):
        body = gql(client, query, {"filter": log_filter, "interval": "DAY"})
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


def test_a_time_that_overflows_in_utc_is_bad_user_input(client: TestClient) -> None:
    body = gql(
        client, HISTOGRAM, {"interval": "DAY", "filter": {"startTime": "0001-01-01T00:00+01:00"}}
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
