"""Counting logs by level and service: from hourly rollups (and their deltas) where they
cover, else a scan."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, func, select

from db.logs import LogCriteria, filtered, one_of
from db.models import log_counts, logs
from db.rollups import with_deltas

HOUR = timedelta(hours=1)
TICK = timedelta(microseconds=1)  # the finest timestamp step both backends store


@dataclass(frozen=True, slots=True)
class StatsRow:
    level: str
    service: str
    count: int


def count_by_level_and_service(connection: Connection, criteria: LogCriteria) -> list[StatsRow]:
    """Counts per (level, service): whole hours from `log_counts` and its deltas, the ragged
    edges from `logs`."""
    if criteria.matches_nothing:
        return []
    if not criteria.counted_by_rollups:
        return _rows(_scan(connection, criteria))
    first = _ceil_hour(criteria.start_time) if criteria.start_time else None
    stop = _floor_hour(criteria.end_time + TICK) if criteria.end_time else None
    if first is not None and stop is not None and first >= stop:
        return _rows(_scan(connection, criteria))
    counts = _rollup(connection, criteria, first=first, stop=stop)
    if first is not None and criteria.start_time != first:
        counts += _scan(connection, replace(criteria, end_time=first - TICK))
    if stop is not None and criteria.end_time is not None and stop <= criteria.end_time:
        counts += _scan(connection, replace(criteria, start_time=stop))
    return _rows(counts)


def _rollup(
    connection: Connection,
    criteria: LogCriteria,
    *,
    first: datetime | None,
    stop: datetime | None,
) -> Counter[tuple[str, str]]:
    counts = with_deltas(log_counts)
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


def _floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _ceil_hour(moment: datetime) -> datetime:
    floor = _floor_hour(moment)
    return floor if floor == moment else floor + HOUR
