"""The DateTime scalar writes what `isoformat()` writes for the same instant in UTC."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from graph.scalars import serialize_datetime

EDGES = [
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(2026, 1, 1, tzinfo=UTC),
    datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
    datetime(2024, 2, 29, 12, 30, 15, 500_000, tzinfo=UTC),
]


@pytest.mark.parametrize("instant", EDGES, ids=str)
def test_utc_instants_serialise_as_isoformat(instant: datetime) -> None:
    assert serialize_datetime(instant) == instant.isoformat()


def test_random_utc_instants_serialise_as_isoformat() -> None:
    draw = random.Random(8)
    span = (datetime(9999, 12, 31, tzinfo=UTC) - datetime(1, 1, 1, tzinfo=UTC)) // timedelta(
        microseconds=1
    )
    for _ in range(20_000):
        instant = datetime(1, 1, 1, tzinfo=UTC) + timedelta(microseconds=draw.randrange(span))
        if draw.random() < 0.3:
            instant = instant.replace(microsecond=0)
        assert serialize_datetime(instant) == instant.isoformat()


def test_other_zones_and_naive_values_serialise_in_utc() -> None:
    five_hours_west = timezone(timedelta(hours=-5))
    assert serialize_datetime(datetime(2026, 1, 1, 20, tzinfo=five_hours_west)) == (
        "2026-01-02T01:00:00+00:00"
    )
    assert serialize_datetime(datetime(2026, 1, 1, 20, 0, 0, 42)) == (
        "2026-01-01T20:00:00.000042+00:00"
    )
