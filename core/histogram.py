"""Matching logs counted per aligned time bucket (GraphQL's `histogram`), zero-filled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from sqlalchemy import Connection

from core.criteria import read_criteria
from core.errors import UserInputError
from core.filters import LogFilter
from core.logs import LevelCount
from core.runtime import Runtime
from db.histogram import BucketCounts, count_by_bucket_and_level, first_match, floor_to
from db.levels import Level

MAX_BUCKETS = 10_000


class HistogramInterval(Enum):
    MINUTE = "MINUTE"
    FIVE_MINUTES = "FIVE_MINUTES"
    FIFTEEN_MINUTES = "FIFTEEN_MINUTES"
    HOUR = "HOUR"
    SIX_HOURS = "SIX_HOURS"
    DAY = "DAY"

    @property
    def width(self) -> timedelta:
        """How long one bucket is."""
        return _WIDTHS[self]


_WIDTHS = {
    HistogramInterval.MINUTE: timedelta(minutes=1),
    HistogramInterval.FIVE_MINUTES: timedelta(minutes=5),
    HistogramInterval.FIFTEEN_MINUTES: timedelta(minutes=15),
    HistogramInterval.HOUR: timedelta(hours=1),
    HistogramInterval.SIX_HOURS: timedelta(hours=6),
    HistogramInterval.DAY: timedelta(days=1),
}


@dataclass(slots=True)  # not frozen, as LevelCount: a day by the minute is 1,440 of them
class HistogramBucket:
    start: datetime
    count: int
    by_level: list[LevelCount]  # levels with logs in the bucket, least severe first


async def histogram(
    runtime: Runtime, *, log_filter: LogFilter | None, interval: HistogramInterval
) -> list[HistogramBucket]:
    """Buckets over [startTime, endTime]: from the first match without startTime, to now
    without endTime; oldest first."""
    criteria = await read_criteria(runtime, log_filter)
    width = interval.width
    end = criteria.end_time or datetime.now(UTC)
    if criteria.start_time is not None:
        bucket_count(criteria.start_time, end, width)  # refuse before any query

    def count(connection: Connection) -> tuple[datetime, int, BucketCounts] | None:
        start = criteria.start_time or first_match(connection, criteria)
        if start is None or start > end:
            return None
        origin, buckets = floor_to(start, width), bucket_count(start, end, width)
        counts = count_by_bucket_and_level(
            connection, criteria, start=start, end=end, origin=origin, width=width
        )
        return origin, buckets, counts

    found = await runtime.db.read(count)
    if found is None:
        return []
    origin, buckets, counts = found
    return [as_bucket(origin + number * width, counts.get(number)) for number in range(buckets)]


def bucket_count(start: datetime, end: datetime, width: timedelta) -> int:
    buckets = max(0, (floor_to(end, width) - floor_to(start, width)) // width + 1)
    if buckets > MAX_BUCKETS:
        reason = f"would make {buckets} buckets, at most {MAX_BUCKETS}: widen it or narrow the time"
        raise UserInputError("interval", reason)
    return buckets


# Each level and its stored name, least severe first: iterating the enum for each of a day's
# 1,440 minutes was a sixth of a MINUTE histogram's CPU.
_LEVELS = tuple((level, level.value) for level in Level)


def as_bucket(start: datetime, levels: dict[str, int] | None) -> HistogramBucket:
    if not levels:
        return HistogramBucket(start, 0, [])
    by_level = [LevelCount(level, count) for level, name in _LEVELS if (count := levels.get(name))]
    return HistogramBucket(start, sum(levels.values()), by_level)
