"""Which time range the partition of a log spans: a day near now, a year elsewhere.

Day partitions cover the recent past and the near future, where nearly every log falls and
retention works by the day. A log far from now (old backfills, far-future stamps, any instant
of years 1..9999 the API accepts) gets its calendar year, cut short where it would overlap a
partition that exists: so a year of logs makes about 365 partitions, and stray instants a few
more, which keeps planning quick (docs/storage.md). Bounds never overlap, and every instant
falls in exactly one partition once it is created.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DAY = timedelta(days=1)
RECENT_DAYS = 400  # day partitions this far back from now
AHEAD_DAYS = 31  # and this far ahead
# PostgreSQL's MINVALUE and MAXVALUE: the first and last partitions are open-ended.
LOWEST = datetime.min.replace(tzinfo=UTC)
HIGHEST = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True, order=True)
class Bounds:
    """[low, high): LOWEST and HIGHEST stand for MINVALUE and MAXVALUE."""

    low: datetime
    high: datetime

    def holds(self, instant: datetime) -> bool:
        return self.low <= instant and (instant < self.high or self.high == HIGHEST)

    @property
    def name(self) -> str:
        """The partition's table name, from its lower bound."""
        low = self.low
        stamp = f"{low.year:04d}{low.month:02d}{low.day:02d}"
        if low.time() != datetime.min.time():
            stamp += f"_{low:%H%M%S%f}"
        return f"logs_p{stamp}"


def covering(known: Sequence[Bounds], instant: datetime) -> Bounds | None:
    """The bounds among `known` (sorted) that hold the instant."""
    at = bisect_right(known, instant, key=lambda bounds: bounds.low) - 1
    if at >= 0 and known[at].holds(instant):
        return known[at]
    return None


def bounds_for(instant: datetime, *, known: Sequence[Bounds], now: datetime) -> Bounds:
    """The partition to create for an instant no known (sorted) partition holds."""
    natural = _natural(instant, now=now)
    at = bisect_right(known, instant, key=lambda bounds: bounds.low)
    low = max(natural.low, known[at - 1].high) if at > 0 else natural.low
    high = min(natural.high, known[at].low) if at < len(known) else natural.high
    return Bounds(low, high)


def first_gap(known: Sequence[Bounds], start: datetime, end: datetime) -> datetime | None:
    """The first instant of [start, end) that no known (sorted) partition holds."""
    at = start
    while at < end:
        held = covering(known, at)
        if held is None:
            return at
        if held.high == HIGHEST:
            return None
        at = held.high
    return None


def _natural(instant: datetime, *, now: datetime) -> Bounds:
    day = _midnight(instant)
    if _midnight(now) - DAY * RECENT_DAYS <= day <= _midnight(now) + DAY * AHEAD_DAYS:
        return Bounds(day, day + DAY if day.date() < HIGHEST.date() else HIGHEST)
    year = instant.year
    low = LOWEST if year == 1 else datetime(year, 1, 1, tzinfo=UTC)
    high = HIGHEST if year == 9999 else datetime(year + 1, 1, 1, tzinfo=UTC)
    return Bounds(low, high)


def _midnight(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
