"""Counting logs per time bucket and level: from rollups where they cover, else a scan."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    cast,
    func,
    literal_column,
    select,
)

from db.logs import LogCriteria, filtered, one_of
from db.models import (
    log_counts,
    log_counts_minute,
    log_level_counts,
    log_level_counts_minute,
    logs,
)
from db.partitions import KNOWN, database_key
from db.rollups import with_deltas
from db.stats import TICK
from db.storage import oldest_log

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Logs per level (by its stored name) in each bucket, by the bucket's number from the origin.
BucketCounts = dict[int, dict[str, int]]


@dataclass(frozen=True, slots=True)
class Rollup:
    """A table of counts per (bucket, level, service), or per (bucket, level) alone, `step`
    wide (read with its deltas)."""

    table: Table
    step: timedelta

    @property
    def by_service(self) -> bool:
        return "service" in self.table.c


ROLLUPS = [  # coarsest first: the fewest rows to read
    Rollup(log_level_counts, timedelta(hours=1)),
    Rollup(log_counts, timedelta(hours=1)),
    Rollup(log_level_counts_minute, timedelta(minutes=1)),
    Rollup(log_counts_minute, timedelta(minutes=1)),
]


def floor_to(moment: datetime, step: timedelta) -> datetime:
    """The start of the UTC-aligned step holding `moment` (steps count from the Unix epoch)."""
    return EPOCH + (moment - EPOCH) // step * step


def first_match(connection: Connection, criteria: LogCriteria) -> datetime | None:
    """The oldest matching log's timestamp: where a histogram without startTime begins. Read
    by the partitions this process knows: a read has no transaction to list them in."""
    if criteria.matches_nothing:
        return None
    known = KNOWN.bounds(database_key(connection))
    return oldest_log(connection, criteria, bounds=known)


def count_by_bucket_and_level(
    connection: Connection,
    criteria: LogCriteria,
    *,
    start: datetime,
    end: datetime,
    origin: datetime,
    width: timedelta,
) -> BucketCounts:
    """Counts in [start, end] by bucket number (`origin`, aligned to `width`, is bucket 0) and
    level, from the coarsest rollup that can count them; what is left at either edge from the
    next finer one, and what no rollup covers from a scan."""
    if criteria.matches_nothing:
        return {}
    tally = _Tally(connection, origin, width)
    tally.add(criteria, start, end, _rollups_for(connection, criteria, width))
    return tally.counts


def _rollups_for(connection: Connection, criteria: LogCriteria, width: timedelta) -> list[Rollup]:
    """The rollups whose steps divide the width: the level rollups unless services are named
    (they hold the same counts in fewer rows), the per-service ones when they are, and always
    on SQLite, which keeps no level rollups (migration 0011)."""
    if not criteria.counted_by_rollups:
        return []
    by_service = criteria.services is not None or connection.dialect.name == "sqlite"
    return [
        rollup
        for rollup in ROLLUPS
        if width % rollup.step == timedelta(0) and rollup.by_service == by_service
    ]


@dataclass(slots=True)
class _Tally:
    """One histogram's counts, added up piece by piece."""

    connection: Connection
    origin: datetime
    width: timedelta
    counts: BucketCounts = field(default_factory=dict)

    def add(
        self, criteria: LogCriteria, start: datetime, end: datetime, rollups: list[Rollup]
    ) -> None:
        """Add the counts in [start, end]: whole steps of the first rollup, the rest by the
        finer ones."""
        if not rollups:
            criteria = replace(criteria, start_time=start, end_time=end)
            self._add_rows(_scan(self.connection, criteria, self.origin, self.width))
            return
        rollup, finer = rollups[0], rollups[1:]
        first = EPOCH - (EPOCH - start) // rollup.step * rollup.step  # the ceiling of start
        stop = floor_to(end + TICK, rollup.step)
        if first >= stop:
            self.add(criteria, start, end, finer)
            return
        axis = (self.origin, self.width)
        self._add_rows(_from_rollup(self.connection, criteria, rollup, first, stop, *axis))
        if start < first:
            self.add(criteria, start, first - TICK, finer)
        if stop <= end:
            self.add(criteria, stop, end, finer)

    def _add_rows(self, statement: Select[Any]) -> None:
        counts = self.counts
        # All rows at once: iterating the result fetches them one by one, twice the time.
        # A bucket whose logs were all deleted sums to 0 until a fold: absent, as in a scan.
        for number, level, count in self.connection.execute(statement).all():
            if not count:
                continue
            levels = counts.get(number)
            if levels is None:
                counts[number] = {level: count}
            else:
                levels[level] = levels.get(level, 0) + count


def _from_rollup(
    connection: Connection,
    criteria: LogCriteria,
    rollup: Rollup,
    first: datetime,
    stop: datetime,
    origin: datetime,
    width: timedelta,
) -> Select[Any]:
    table = with_deltas(rollup.table)
    conditions = [table.c.bucket >= first, table.c.bucket < stop]
    if criteria.levels is not None:
        conditions.append(one_of(table.c.level, criteria.levels))
    if criteria.services is not None:  # a rollup by service, then
        conditions.append(one_of(table.c.service, criteria.services))
    bucket = bucket_number(
        connection, table.c.bucket, origin=origin, width=width, whole_seconds=True
    )
    return (
        select(bucket, table.c.level, cast(func.sum(table.c.count), BigInteger))
        .where(and_(*conditions))
        .group_by(bucket, table.c.level)
    )


def _scan(
    connection: Connection, criteria: LogCriteria, origin: datetime, width: timedelta
) -> Select[Any]:
    bucket = bucket_number(connection, logs.c.timestamp, origin=origin, width=width)
    return filtered(select(bucket, logs.c.level, func.count()), criteria).group_by(
        bucket, logs.c.level
    )


def bucket_number(
    connection: Connection,
    column: ColumnElement[datetime],
    *,
    origin: datetime,
    width: timedelta,
    whole_seconds: bool = False,
) -> ColumnElement[int]:
    """Whole widths from the origin to the timestamp; only timestamps at or after the origin
    are counted, so truncating division is flooring here.

    On PostgreSQL, timestamps of `whole_seconds` (rollup buckets) are read as a double: exact
    for them, and half the cost of the numeric EXTRACT gives (a 30-day histogram by the hour
    works through tens of thousands of rollup rows). Logs' instants keep the numeric's
    exactness to the microsecond."""
    # Inlined integers, not parameters: PostgreSQL must see GROUP BY's expression as the
    # SELECT's, and separate parameters would make them differ.
    seconds = literal_column(str(int(width.total_seconds())), BigInteger())
    origin_seconds = literal_column(str((origin - EPOCH) // timedelta(seconds=1)), BigInteger())
    if connection.dialect.name == "sqlite":
        # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC. The fraction is cut off first (SQLite
        # would round it to milliseconds, into the next second); every width is whole seconds.
        to_the_second = func.substr(column, 1, 19)
        epoch_seconds = func.strftime(literal_column("'%s'"), to_the_second)
        since = cast(epoch_seconds, BigInteger) - origin_seconds
        return since // seconds
    epoch = (
        func.date_part(literal_column("'epoch'"), column)
        if whole_seconds
        else func.extract("epoch", column)
    )
    since_origin = epoch - origin_seconds
    return cast(func.floor(since_origin / seconds), BigInteger)
