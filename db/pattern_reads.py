"""Reading patterns: which exist, how many logs of each match criteria, and of which logs.

Counts come from the hourly and per-minute rollups by pattern where they can answer, else
from the logs joined with their assignments (db/pattern_counts.py): the same answer either way.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from operator import attrgetter
from typing import Any

from sqlalchemy import ColumnElement, Connection, select

from db import pattern_counts as counting
from db.histogram import EPOCH, BucketCounts, bucket_number
from db.logs import LogCriteria, LogRecord, filtered, logs_by_id
from db.models import log_patterns, logs, patterns


class PatternOrder(Enum):
    COUNT_DESC = "COUNT_DESC"
    FIRST_SEEN_DESC = "FIRST_SEEN_DESC"
    LAST_SEEN_DESC = "LAST_SEEN_DESC"


@dataclass(frozen=True, slots=True)
class PatternRecord:
    """A stored pattern: first and last seen are over every log it was given."""

    id: int
    service: str
    template: str
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class PatternTally:
    """A pattern's logs matching some criteria: how many, and the first one's minute (its
    instant, when counted from the logs)."""

    count: int
    first: datetime


PATTERN_COLUMNS = (
    patterns.c.id,
    patterns.c.service,
    patterns.c.template,
    patterns.c.first_seen,
    patterns.c.last_seen,
)


def unknown_patterns(connection: Connection, ids: Collection[int]) -> list[int]:
    """Those of the ids that name no stored pattern, in order."""
    found = set(connection.execute(select(patterns.c.id).where(patterns.c.id.in_(ids))).scalars())
    return sorted(set(ids) - found)


def count_patterns(
    connection: Connection,
    criteria: LogCriteria,
    *,
    ids: Collection[int] | None = None,
    order: PatternOrder = PatternOrder.COUNT_DESC,
    limit: int | None = None,
) -> list[tuple[PatternRecord, PatternTally]]:
    """The patterns with logs matching the criteria (of `ids` only, when given), in `order`
    (ties by id), and their tallies."""
    if limit == 0:
        return []
    tallies = {
        key[0]: PatternTally(count, first)
        for key, (count, first) in counting.tally(
            connection, criteria, keys=counting.by_pattern, ids=ids
        ).items()
    }
    if order is PatternOrder.COUNT_DESC:  # the page is known before reading any pattern
        chosen = sorted(tallies, key=lambda n: (-tallies[n].count, n))[:limit]
        records = _records(connection, chosen)
        return [(records[n], tallies[n]) for n in chosen if n in records]
    records = _records(connection, tallies)
    seen = "first_seen" if order is PatternOrder.FIRST_SEEN_DESC else "last_seen"
    ordered = sorted(records.values(), key=attrgetter("id"))
    ordered.sort(key=attrgetter(seen), reverse=True)
    return [(record, tallies[record.id]) for record in ordered[:limit]]


def _records(connection: Connection, ids: Collection[int]) -> dict[int, PatternRecord]:
    if not ids:
        return {}
    statement = select(*PATTERN_COLUMNS).where(patterns.c.id.in_(sorted(ids)))
    return {row.id: PatternRecord(*row) for row in connection.execute(statement)}


def level_counts(
    connection: Connection, criteria: LogCriteria, ids: Collection[int]
) -> dict[int, dict[str, int]]:
    """Matching logs of each of the patterns, by level (its stored name)."""
    counts: dict[int, dict[str, int]] = {}
    found = counting.tally(connection, criteria, keys=counting.by_pattern_and_level, ids=ids)
    for (pattern_id, level), (count, _first) in found.items():
        counts.setdefault(pattern_id, {})[level] = count
    return counts


def latest_logs(
    connection: Connection, criteria: LogCriteria, ids: Collection[int]
) -> dict[int, LogRecord]:
    """Each pattern's matching log written last (its highest id), by pattern id."""
    if criteria.matches_nothing or not ids:
        return {}
    latest = (
        filtered(
            select(log_patterns.c.log_id)
            .select_from(log_patterns)
            .join(logs, logs.c.id == log_patterns.c.log_id)
            .where(log_patterns.c.pattern_id == patterns.c.id),
            criteria,
        )
        .order_by(log_patterns.c.log_id.desc())
        .limit(1)
        .correlate(patterns)
        .scalar_subquery()
    )
    statement = select(patterns.c.id, latest).where(patterns.c.id.in_(sorted(ids)))
    log_ids = {log_id: pattern_id for pattern_id, log_id in connection.execute(statement)}
    found = logs_by_id(connection, [n for n in log_ids if n is not None])
    return {log_ids[log_id]: record for log_id, record in found.items()}


def patterns_of_logs(connection: Connection, log_ids: Collection[int]) -> dict[int, PatternRecord]:
    """The pattern of each of the logs that has one, by log id."""
    statement = (
        select(log_patterns.c.log_id, *PATTERN_COLUMNS)
        .join(patterns, patterns.c.id == log_patterns.c.pattern_id)
        .where(log_patterns.c.log_id.in_(log_ids))
    )
    return {row[0]: PatternRecord(*row[1:]) for row in connection.execute(statement)}


def count_by_pattern_and_bucket(
    connection: Connection,
    criteria: LogCriteria,
    *,
    ids: Collection[int],
    origin: datetime,
    width: timedelta,
) -> dict[int, BucketCounts]:
    """Each pattern's matching logs (none before `origin`) by bucket number and level; from
    the rollups when buckets are whole minutes (whole hours: from the hourly one too)."""

    def keys(
        time: ColumnElement[datetime], level: ColumnElement[str], pattern: Any, whole: bool
    ) -> list[Any]:
        number = bucket_number(connection, time, origin=origin, width=width, whole_seconds=whole)
        return [pattern, number, level]

    since = max(criteria.start_time or origin, origin)
    found = counting.tally(
        connection,
        replace(criteria, start_time=since),
        keys=keys,
        ids=ids,
        coarsest=_coarsest_bucket(origin, width),
    )
    counts: dict[int, BucketCounts] = {}
    for (pattern_id, number, level), (count, _first) in found.items():
        counts.setdefault(pattern_id, {}).setdefault(number, {})[level] = count
    return counts


def _coarsest_bucket(origin: datetime, width: timedelta) -> timedelta | None:
    """The largest rollup bucket that falls wholly within one histogram bucket."""
    for unit in (counting.HOUR, counting.MINUTE):
        if width % unit == timedelta(0) and (origin - EPOCH) % unit == timedelta(0):
            return unit
    return None
