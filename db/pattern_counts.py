"""Counting logs by pattern: whole hours from the hourly rollup (`pattern_counts_hourly`),
whole minutes around them from the per-minute one (`pattern_counts`; an end of more than half
an hour as its hour less the minutes outside the range), the rest from the logs joined with
their assignments.

The rollups know each count's bucket, level and pattern (so its service too). Criteria on
anything else (text, metadata, `anyOf`, `not`) are counted by the scan alone, and the ragged
minutes at either end of a range by the scan too: the same answer either way. A range with no
start reads no hours, so that each group's first match is known to the minute (where a
histogram without startTime begins). Scans are bounded like every read, by the statement
timeout.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Connection, Select, Table, cast, func, select

from db.histogram import floor_to
from db.logs import LogCriteria, filtered, one_of
from db.models import log_patterns, logs, pattern_counts, pattern_counts_hourly, patterns
from db.stats import TICK

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
HALF_HOUR = HOUR / 2
# What counts are grouped by, from a time, a level and a pattern column; the flag is set
# when the time column is a rollup's bucket rather than a log's instant.
Keys = Callable[[ColumnElement[datetime], ColumnElement[str], ColumnElement[int], bool], list[Any]]
# Group key -> (logs counted, the first one's instant, or its minute when from the rollup).
Tallies = dict[tuple[Any, ...], tuple[int, datetime]]


def by_pattern(
    _time: ColumnElement[datetime],
    _level: ColumnElement[str],
    pattern: ColumnElement[int],
    _w: bool,
) -> list[Any]:
    return [pattern]


def by_pattern_and_level(
    _time: ColumnElement[datetime], level: ColumnElement[str], pattern: ColumnElement[int], _w: bool
) -> list[Any]:
    return [pattern, level]


def rollup_answers(criteria: LogCriteria) -> bool:
    """Only time, level, service and pattern: what the rollup's rows know."""
    return not (
        criteria.message_contains
        or criteria.message_matches is not None
        or criteria.metadata
        or criteria.any_of is not None
        or criteria.negated is not None
    )


def tally(
    connection: Connection,
    criteria: LogCriteria,
    *,
    keys: Keys,
    ids: Collection[int] | None = None,
    coarsest: timedelta | None = HOUR,
) -> Tallies:
    """The matching logs of the patterns (of `ids`, when given) grouped by `keys`, from
    rollup buckets up to `coarsest` (None: keys finer than a minute, the logs alone)."""
    if criteria.matches_nothing or (ids is not None and not ids):
        return {}
    found: Tallies = {}
    for statement in _statements(criteria, keys, ids, coarsest):
        for *key, count, first in connection.execute(statement).all():
            group = tuple(key)
            if group in found:
                before, earliest = found[group]
                found[group] = (before + int(count), min(earliest, first))
            else:
                found[group] = (int(count), first)
    return {group: counted for group, counted in found.items() if counted[0] > 0}


def _statements(
    criteria: LogCriteria,
    keys: Keys,
    ids: Collection[int] | None,
    coarsest: timedelta | None,
) -> list[Select[Any]]:
    """Statements over the rollups' whole buckets and scans of the edges; or one scan."""
    if coarsest is None or not rollup_answers(criteria):
        return [_scan(criteria, keys, ids)]
    start, end = criteria.start_time, criteria.end_time
    first = _ceil(start, MINUTE) if start is not None else None
    stop = floor_to(end + TICK, MINUTE) if end is not None else None
    if first is not None and stop is not None and first >= stop:
        return [_scan(criteria, keys, ids)]
    statements = [
        _rollup(span, criteria, keys, ids) for span in _buckets(first, stop, hours=coarsest >= HOUR)
    ]
    if first is not None and start != first:
        statements.append(_scan(replace(criteria, end_time=first - TICK), keys, ids))
    if stop is not None and end is not None and stop <= end:
        statements.append(_scan(replace(criteria, start_time=stop), keys, ids))
    return statements


@dataclass(frozen=True, slots=True)
class Span:
    """Buckets of a rollup in [low, high), added to the counts or, `subtracted`, taken out."""

    table: Table
    low: datetime | None
    high: datetime | None
    subtracted: bool = False


def _buckets(first: datetime | None, stop: datetime | None, *, hours: bool) -> list[Span]:
    """[first, stop) of whole minutes as rollup spans: whole hours from the hourly rollup and
    the minutes at either end from the per-minute one, at most half an hour of them an end:
    an end of more is its whole hour less the minutes outside the range."""
    if not hours or first is None:
        return [Span(pattern_counts, first, stop)]
    low = _ceil(first, HOUR)
    high = floor_to(stop, HOUR) if stop is not None else None
    if high is not None and low >= high:
        return [Span(pattern_counts, first, stop)]
    edges: list[Span] = []
    if low - first > HALF_HOUR:
        low -= HOUR
        edges.append(Span(pattern_counts, low, first, subtracted=True))
    elif first < low:
        edges.append(Span(pattern_counts, first, low))
    if high is not None and stop is not None and stop - high > HALF_HOUR:
        high += HOUR
        edges.append(Span(pattern_counts, stop, high, subtracted=True))
    elif high is not None and stop is not None and high < stop:
        edges.append(Span(pattern_counts, high, stop))
    return [Span(pattern_counts_hourly, low, high), *edges]


def _rollup(
    span: Span, criteria: LogCriteria, keys: Keys, ids: Collection[int] | None
) -> Select[Any]:
    counts = span.table.c
    conditions: list[ColumnElement[bool]] = []
    for chosen in (ids, criteria.patterns):
        if chosen is not None:
            conditions.append(counts.pattern_id.in_(sorted(chosen)))
    if criteria.levels is not None:
        conditions.append(one_of(counts.level, criteria.levels))
    if criteria.services is not None:
        of_services = select(patterns.c.id).where(one_of(patterns.c.service, criteria.services))
        conditions.append(counts.pattern_id.in_(of_services))
    if span.low is not None:
        conditions.append(counts.bucket >= span.low)
    if span.high is not None:
        conditions.append(counts.bucket < span.high)
    grouped = keys(counts.bucket, counts.level, counts.pattern_id, True)
    total: ColumnElement[int] = cast(func.sum(counts.count), BigInteger)
    if span.subtracted:
        total = -total
    return select(*grouped, total, func.min(counts.bucket)).where(*conditions).group_by(*grouped)


def _scan(criteria: LogCriteria, keys: Keys, ids: Collection[int] | None) -> Select[Any]:
    grouped = keys(logs.c.timestamp, logs.c.level, log_patterns.c.pattern_id, False)
    statement = (
        select(*grouped, func.count(), func.min(logs.c.timestamp))
        .select_from(logs)
        .join(log_patterns, log_patterns.c.log_id == logs.c.id)
    )
    if ids is not None:
        statement = statement.where(log_patterns.c.pattern_id.in_(sorted(ids)))
    return filtered(statement, criteria).group_by(*grouped)


def _ceil(moment: datetime, unit: timedelta) -> datetime:
    floor = floor_to(moment, unit)
    return floor if floor == moment else floor + unit
