"""Counting a rule's logs per group (service, level or the value at a metadata path), for
rules with groupBy: one GROUP BY per evaluation, both backends reading values alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, func, select

from db import metadata
from db.logs import LogCriteria, filtered, selecting
from db.models import logs

GroupKey = tuple[str | None, ...]  # one value per groupBy entry as JSON text; None: absent/null
COLUMNS = {"service": logs.c.service, "level": logs.c.level}


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
    criteria: Sequence[LogCriteria],
    group_by: Sequence[str],
    *,
    start: datetime,
    end: datetime,
) -> list[dict[GroupKey, int]]:
    """Every group's count for each of the criteria, all in one scan of the logs from `start`
    to `end` (which hold each criteria's own window): one query for a set of rules."""
    keys = [_key(connection, entry) for entry in group_by]
    counts = [func.count().filter(selecting(one)) for one in criteria]
    window = (logs.c.timestamp >= start) & (logs.c.timestamp <= end)
    statement = select(*keys, *counts).where(window).group_by(*keys)
    found: list[dict[GroupKey, int]] = [{} for _ in criteria]
    for row in connection.execute(statement):
        key = tuple(
            _value(connection, entry, value)
            for entry, value in zip(group_by, row[: len(keys)], strict=True)
        )
        for index, count in enumerate(row[len(keys) :]):
            if count:
                found[index][key] = count
    return found


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
