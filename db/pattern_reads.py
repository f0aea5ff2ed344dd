"""Reading patterns: which exist, how many logs of each match criteria, and of which logs.

Counts are an exact join of the matching logs with `log_patterns` (its primary key is the log
id, and `ix_log_patterns_pattern` leads with the pattern), bounded like every read by the
statement timeout. The rollups count by level and service only, so they cannot answer these.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select

from db.histogram import BucketCounts, bucket_number
from db.logs import LOG_COLUMNS, LogCriteria, LogRecord, filtered, log_record
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
    """A pattern's logs matching some criteria: how many, the first one's time, the last
    written one's id."""

    count: int
    first: datetime
    latest_id: int


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
    if criteria.matches_nothing or limit == 0:
        return []
    # Counted by pattern id first, then joined with the (few) patterns counted.
    counted = (
        _joined(
            select(
                log_patterns.c.pattern_id,
                func.count().label("n"),
                func.min(logs.c.timestamp).label("first"),
                func.max(logs.c.id).label("latest"),
            ),
            criteria,
            ids,
        )
        .group_by(log_patterns.c.pattern_id)
        .subquery("counted")
    )
    first_key: ColumnElement[Any] = {
        PatternOrder.COUNT_DESC: counted.c.n,
        PatternOrder.FIRST_SEEN_DESC: patterns.c.first_seen,
        PatternOrder.LAST_SEEN_DESC: patterns.c.last_seen,
    }[order]
    statement = (
        select(*PATTERN_COLUMNS, counted.c.n, counted.c.first, counted.c.latest)
        .join(counted, counted.c.pattern_id == patterns.c.id)
        .order_by(first_key.desc(), patterns.c.id)
        .limit(limit)
    )
    return [
        (PatternRecord(*row[:5]), PatternTally(row[5], row[6], row[7]))
        for row in connection.execute(statement)
    ]


def level_counts(
    connection: Connection, criteria: LogCriteria, ids: Collection[int]
) -> dict[int, dict[str, int]]:
    """Matching logs of each of the patterns, by level (its stored name)."""
    statement = _joined(
        select(log_patterns.c.pattern_id, logs.c.level, func.count()), criteria, ids
    ).group_by(log_patterns.c.pattern_id, logs.c.level)
    counts: dict[int, dict[str, int]] = {}
    for pattern_id, level, count in connection.execute(statement):
        counts.setdefault(pattern_id, {})[level] = count
    return counts


def patterns_of_logs(connection: Connection, log_ids: Collection[int]) -> dict[int, PatternRecord]:
    """The pattern of each of the logs that has one, by log id."""
    statement = (
        select(log_patterns.c.log_id, *PATTERN_COLUMNS)
        .join(patterns, patterns.c.id == log_patterns.c.pattern_id)
        .where(log_patterns.c.log_id.in_(log_ids))
    )
    return {row[0]: PatternRecord(*row[1:]) for row in connection.execute(statement)}


def logs_by_id(connection: Connection, log_ids: Collection[int]) -> dict[int, LogRecord]:
    """The logs that still exist among the ids."""
    rows = connection.execute(select(*LOG_COLUMNS).where(logs.c.id.in_(log_ids)))
    return {record.id: record for record in map(log_record, rows)}


def count_by_pattern_and_bucket(
    connection: Connection,
    criteria: LogCriteria,
    *,
    ids: Collection[int],
    origin: datetime,
    width: timedelta,
) -> dict[int, BucketCounts]:
    """Each pattern's matching logs (none before `origin`) by bucket number and level: a scan,
    as no rollup knows patterns."""
    bucket = bucket_number(connection, logs.c.timestamp, origin=origin, width=width)
    statement = (
        _joined(
            select(log_patterns.c.pattern_id, bucket, logs.c.level, func.count()), criteria, ids
        )
        .where(logs.c.timestamp >= origin)
        .group_by(log_patterns.c.pattern_id, bucket, logs.c.level)
    )
    counts: dict[int, BucketCounts] = {}
    for pattern_id, number, level, count in connection.execute(statement):
        counts.setdefault(pattern_id, {}).setdefault(number, {})[level] = count
    return counts


def _joined(
    statement: Select[Any], criteria: LogCriteria, ids: Collection[int] | None
) -> Select[Any]:
    """The statement over matching logs joined with their assignments (to `ids`, when given).
    An evicted pattern's assignments went with it (db/patterns.py), so every one is live."""
    joined = statement.select_from(logs).join(log_patterns, log_patterns.c.log_id == logs.c.id)
    if ids is not None:
        joined = joined.where(log_patterns.c.pattern_id.in_(sorted(ids)))
    return filtered(joined, criteria)
