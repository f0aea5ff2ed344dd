"""Counting a rule's logs per group (service, level or the value at a metadata path), for
rules with groupBy: one GROUP BY per evaluation, both backends reading values alike."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, and_, case, func, select

from db import metadata
from db.logs import LogCriteria, filtered, selecting
from db.models import logs

GroupKey = tuple[str | None, ...]  # one value per groupBy entry as JSON text; None: absent/null
COLUMNS = {"service": logs.c.service, "level": logs.c.level}
SLICE = "window_slice"


def count_groups(
    connection: Connection, criteria: LogCriteria, group_by: Sequence[str], *, limit: int
) -> tuple[dict[GroupKey, int], int]:
    """The `limit` largest groups' counts, and how many groups there are in all."""
    if criteria.matches_nothing:
        return {}, 0
    keys = [_key(connection, entry) for entry in group_by]
    grouped = filtered(select(*keys, func.count().label("n")).select_from(logs), criteria)
    grouped = grouped.group_by(*keys)
    largest = grouped.order_by(func.count().desc(), *keys).limit(limit)
    counts = {
        tuple(
            _value(connection, entry, value)
            for entry, value in zip(group_by, row[:-1], strict=True)
        ): row[-1]
        for row in connection.execute(largest)
    }
    if len(counts) < limit:
        return counts, len(counts)
    total: int = connection.execute(
        select(func.count()).select_from(grouped.subquery())
    ).scalar_one()
    return counts, total


def count_groups_together(
    connection: Connection,
    counted: Sequence[tuple[LogCriteria, datetime]],
    group_by: Sequence[str],
    *,
    end: datetime,
    within: Collection[GroupKey] | None = None,
) -> list[dict[GroupKey, int]]:
    """Every group's count for each (criteria, start) pair, the logs from its start to `end`
    (the criteria give no time of their own): one scan of the longest window for them all.
    `within` (column groupings only): count just the logs of those groups, which the
    (column, timestamp) index serves, rather than the whole window.

    Each distinct criteria is one `FILTER` count, shared by every pair that gives it; each row
    is counted in the slice of time it falls in (the newest window's, the next one's, ...),
    and a window's count is the sum of its slices."""
    if not counted:
        return []
    starts = sorted({start for _, start in counted}, reverse=True)
    shared = {repr(criteria): criteria for criteria, _ in counted}  # repr tells 1, 1.0, true apart
    keys = [_key(connection, entry) for entry in group_by]
    slices = [_slice_of(starts)] if len(starts) > 1 else []
    counts = [func.count().filter(selecting(criteria)) for criteria in shared.values()]
    window = (logs.c.timestamp >= starts[-1]) & (logs.c.timestamp <= end)
    if within is not None:
        window = window & _of_groups(group_by, within)
    by_slice = [SLICE] if slices else []  # by its name: one expression, however bound
    statement = select(*keys, *slices, *counts).where(window).group_by(*keys, *by_slice)
    # Per distinct criteria, per group: the count in each slice of time.
    sliced: dict[str, dict[GroupKey, list[int]]] = {name: {} for name in shared}
    for row in connection.execute(statement):
        key = tuple(
            _value(connection, entry, value)
            for entry, value in zip(group_by, row[: len(keys)], strict=True)
        )
        at = row[len(keys)] if slices else 0
        for name, count in zip(shared, row[len(keys) + len(slices) :], strict=True):
            if count:
                sliced[name].setdefault(key, [0] * len(starts))[at] += count
    return [
        _summed(sliced[repr(criteria)], upto=starts.index(start)) for criteria, start in counted
    ]


def _of_groups(group_by: Sequence[str], within: Collection[GroupKey]) -> ColumnElement[bool]:
    """The logs of the groups `within` (for a grouping by several columns, possibly of more:
    the caller keeps the groups it asked for)."""
    tests = [
        COLUMNS[entry].in_(sorted({orjson.loads(key[index] or "null") for key in within}))
        for index, entry in enumerate(group_by)
    ]
    return and_(*tests)


def _slice_of(starts: Sequence[datetime]) -> ColumnElement[int]:
    """Which slice of time a log falls in: 0 from the newest start on, 1 from the next, ..."""
    whens = [(logs.c.timestamp >= start, index) for index, start in enumerate(starts[:-1])]
    return case(*whens, else_=len(starts) - 1).label(SLICE)


def _summed(groups: dict[GroupKey, list[int]], *, upto: int) -> dict[GroupKey, int]:
    """Each group's count over the slices 0..upto (a window), groups without any left out."""
    summed = {key: sum(slices[: upto + 1]) for key, slices in groups.items()}
    return {key: count for key, count in summed.items() if count}


def _key(connection: Connection, entry: str) -> ColumnElement[Any]:
    if entry in COLUMNS:
        return COLUMNS[entry]
    path = entry.split(".")
    if connection.dialect.name == "postgresql":
        return func.jsonb_extract_path(logs.c.metadata, *path)
    value_at = getattr(func, metadata.SQLITE_VALUE_FUNCTION)
    return value_at(logs.c.metadata, orjson.dumps(path).decode())  # type: ignore[no-any-return]


def _value(connection: Connection, entry: str, value: Any) -> str | None:
    """As canonical JSON text: PostgreSQL hands jsonb over decoded, SQLite's function as text."""
    if value is None:
        return None
    if entry not in COLUMNS and connection.dialect.name != "postgresql":
        value = orjson.loads(value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
