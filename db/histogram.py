"""Counting logs per time bucket and level: from rollups where they cover, else a scan."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Table,
    and_,
    cast,
    func,
    literal_column,
    select,
)

from db.logs import LogCriteria, filtered, one_of
from db.models import log_counts, log_counts_minute, logs
from db.rollups import with_deltas
from db.stats import TICK

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BucketCounts = Counter[tuple[int, str]]  # (bucket number from the origin, level) -> logs


@dataclass(frozen=True, slots=True)
class Rollup:
    """A table of counts per (bucket, level, service) that triggers keep, `step` wide
    (read with its deltas)."""

    table: Table
    step: timedelta


ROLLUPS = [  # coarsest first: the fewest rows to read
    Rollup(log_counts, timedelta(hours=1)),
    Rollup(log_counts_minute, timedelta(minutes=1)),
]


def floor_to(moment: datetime, step: timedelta) -> datetime:
    """The start of the UTC-aligned step holding `moment` (steps count from the Unix epoch)."""
    return EPOCH + (moment - EPOCH) // step * step


def first_match(connection: Connection, criteria: LogCriteria) -> datetime | None:
    """The oldest matching log's timestamp: where a histogram without startTime begins."""
    if criteria.matches_nothing:
        return None
    statement = filtered(select(logs.c.timestamp), criteria).order_by(logs.c.timestamp).limit(1)
    return connection.execute(statement).scalar()


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
    level: whole rollup steps from a rollup table, the ragged edges from a scan."""
    criteria = replace(criteria, start_time=start, end_time=end)
    rollup = _rollup_for(criteria, width)
    if criteria.matches_nothing:
        return Counter()
    if rollup is None:
        return _scan(connection, criteria, origin=origin, width=width)
    first = EPOCH - (EPOCH - start) // rollup.step * rollup.step  # the ceiling of start
    stop = floor_to(end + TICK, rollup.step)
    if first >= stop:
        return _scan(connection, criteria, origin=origin, width=width)
    counts = _from_rollup(
        connection, criteria, rollup, first=first, stop=stop, origin=origin, width=width
    )
    if start < first:
        edge = replace(criteria, end_time=first - TICK)
        counts += _scan(connection, edge, origin=origin, width=width)
    if stop <= end:
        counts += _scan(connection, replace(criteria, start_time=stop), origin=origin, width=width)
    return counts


def _rollup_for(criteria: LogCriteria, width: timedelta) -> Rollup | None:
    if not criteria.counted_by_rollups:
        return None
    return next((rollup for rollup in ROLLUPS if width % rollup.step == timedelta(0)), None)


def _from_rollup(
    connection: Connection,
    criteria: LogCriteria,
    rollup: Rollup,
    *,
    first: datetime,
    stop: datetime,
    origin: datetime,
    width: timedelta,
) -> BucketCounts:
    table = with_deltas(rollup.table)
    conditions = [table.c.bucket >= first, table.c.bucket < stop]
    if criteria.levels is not None:
        conditions.append(one_of(table.c.level, criteria.levels))
    if criteria.services is not None:
        conditions.append(one_of(table.c.service, criteria.services))
    bucket = _bucket_number(
        connection, table.c.bucket, origin=origin, width=width, whole_seconds=True
    )
    statement = (
        select(bucket, table.c.level, func.sum(table.c.count))
        .where(and_(*conditions))
        .group_by(bucket, table.c.level)
    )
    # A bucket whose logs were all deleted sums to 0 until a fold: absent, as in a scan.
    rows = connection.execute(statement)
    return Counter({(int(b), level): int(n) for b, level, n in rows if n})


def _scan(
    connection: Connection, criteria: LogCriteria, *, origin: datetime, width: timedelta
) -> BucketCounts:
    bucket = _bucket_number(connection, logs.c.timestamp, origin=origin, width=width)
    statement = filtered(select(bucket, logs.c.level, func.count()), criteria).group_by(
        bucket, logs.c.level
    )
    return Counter({(int(b), level): n for b, level, n in connection.execute(statement)})


def _bucket_number(
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
