"""Counting logs by level and service: whole hours from the hourly rollup, whole minutes at
the ragged edges from the minute rollup (each with its deltas), what is left by a scan."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Table, func, select

from db.logs import LogCriteria, filtered, one_of
from db.models import log_counts, log_counts_minute, logs
from db.rollups import with_deltas

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
TICK = timedelta(microseconds=1)  # the finest timestamp step both backends store
# Coarsest first. The last day by the hour alone left up to an hour of logs to scan at its two
# edges (14,000 at 10M logs over 30 days); by the minute, two minutes at most.
ROLLUPS = ((log_counts, HOUR), (log_counts_minute, MINUTE))


@dataclass(frozen=True, slots=True)
class StatsRow:
    level: str
    service: str
    count: int


def count_by_level_and_service(connection: Connection, criteria: LogCriteria) -> list[StatsRow]:
    """Counts per (level, service), from the rollups where the criteria allow."""
    if criteria.matches_nothing:
        return []
    if not criteria.counted_by_rollups:
        return _rows(_scan(connection, criteria))
    return _rows(_count(connection, criteria, ROLLUPS))


def _count(
    connection: Connection, criteria: LogCriteria, rollups: tuple[tuple[Table, timedelta], ...]
) -> Counter[tuple[str, str]]:
    """Whole steps of the first rollup, the edges left at either side by the finer ones."""
    if not rollups:
        return _scan(connection, criteria)
    (table, step), finer = rollups[0], rollups[1:]
    start, end = criteria.start_time, criteria.end_time
    first = None if start is None else _ceil(start, step)
    stop = None if end is None else _floor(end + TICK, step)
    if first is not None and stop is not None and first >= stop:
        return _count(connection, criteria, finer)
    counts = _rollup(connection, criteria, table, first=first, stop=stop)
    if first is not None and start != first:
        counts += _count(connection, replace(criteria, end_time=first - TICK), finer)
    if stop is not None and end is not None and stop <= end:
        counts += _count(connection, replace(criteria, start_time=stop), finer)
    return counts


def _rollup(
    connection: Connection,
    criteria: LogCriteria,
    table: Table,
    *,
    first: datetime | None,
    stop: datetime | None,
) -> Counter[tuple[str, str]]:
    counts = with_deltas(table)
    conditions: list[ColumnElement[bool]] = []
    if criteria.levels is not None:
        conditions.append(one_of(counts.c.level, criteria.levels))
    if criteria.services is not None:
        conditions.append(one_of(counts.c.service, criteria.services))
    if first is not None:
        conditions.append(counts.c.bucket >= first)
    if stop is not None:
        conditions.append(counts.c.bucket < stop)
    statement = (
        select(counts.c.level, counts.c.service, func.sum(counts.c.count))
        .where(*conditions)
        .group_by(counts.c.level, counts.c.service)
    )
    return Counter(
        {(level, service): int(n) for level, service, n in connection.execute(statement)}
    )


def _scan(connection: Connection, criteria: LogCriteria) -> Counter[tuple[str, str]]:
    statement = filtered(select(logs.c.level, logs.c.service, func.count()), criteria).group_by(
        logs.c.level, logs.c.service
    )
    return Counter({(level, service): n for level, service, n in connection.execute(statement)})


def _rows(counts: Counter[tuple[str, str]]) -> list[StatsRow]:
    return [StatsRow(level, service, n) for (level, service), n in counts.items() if n > 0]


def _floor(moment: datetime, step: timedelta) -> datetime:
    """The start of the step holding `moment`; every step divides the hour."""
    hour = moment.replace(minute=0, second=0, microsecond=0)
    return moment - (moment - hour) % step


def _ceil(moment: datetime, step: timedelta) -> datetime:
    floor = _floor(moment, step)
    return floor if floor == moment else floor + step
