"""Keyset pages over (timestamp, id): any page costs what the first page costs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import BigInteger, ColumnElement, Connection, and_, literal, select, tuple_

from db import newest_first, partition_walk
from db.logs import LOG_COLUMNS, LogCriteria, LogRecord, filtered, log_record
from db.models import UTCDateTime, as_utc, logs


@dataclass(frozen=True, slots=True)
class Position:
    """Where a log sits in the (timestamp, id) order; cursors carry one."""

    timestamp: datetime
    id: int


def keyset_page(
    connection: Connection,
    criteria: LogCriteria,
    *,
    descending: bool,
    after: Position | None = None,
    before: Position | None = None,
    limit: int,
) -> list[LogRecord]:
    """Up to `limit` matching logs strictly between the positions, in the scan direction.

    Logs written while a client pages land before or after every existing position, so a
    forward walk neither skips nor repeats a log that existed when it began.
    """
    if criteria.matches_nothing or limit == 0:
        return []
    if descending and before is None and newest_first.applies(connection, criteria):

        def part(narrowed: LogCriteria, size: int) -> list[LogRecord]:
            return _page(connection, narrowed, descending=True, after=after, limit=size)

        below = None if after is None else after.timestamp
        return newest_first.newest_matches(
            connection, criteria, limit=limit, page=part, below=below
        )
    if (
        not descending
        and before is None
        and partition_walk.applies(connection, criteria, descending=False)
    ):
        # Oldest first with no end: from the cursor's instant up, a few partitions at a time.
        if after is not None:
            starts = [after.timestamp, *([criteria.start_time] if criteria.start_time else [])]
            criteria = replace(criteria, start_time=max(map(as_utc, starts)))

        def ascending(narrowed: LogCriteria, size: int) -> list[LogRecord]:
            return _page(connection, narrowed, descending=False, after=after, limit=size)

        return partition_walk.walk(
            connection, criteria, descending=False, limit=limit, page=ascending
        )
    return _page(
        connection, criteria, descending=descending, after=after, before=before, limit=limit
    )


def _page(
    connection: Connection,
    criteria: LogCriteria,
    *,
    descending: bool,
    after: Position | None,
    before: Position | None = None,
    limit: int,
) -> list[LogRecord]:
    statement = filtered(select(*LOG_COLUMNS), criteria)
    if after is not None:
        statement = statement.where(_beyond(after, descending=descending))
    if before is not None:
        statement = statement.where(_beyond(before, descending=not descending))
    keys = (logs.c.timestamp, logs.c.id)
    order = [key.desc() if descending else key.asc() for key in keys]
    rows = connection.execute(statement.order_by(*order).limit(limit))
    return [log_record(row) for row in rows]


def _beyond(position: Position, *, descending: bool) -> ColumnElement[bool]:
    """Logs that come after the position when scanning in this direction (a row comparison,
    which both backends answer from the (timestamp, id) indexes)."""
    key = tuple_(logs.c.timestamp, logs.c.id)
    instant = literal(position.timestamp, UTCDateTime())
    bound = tuple_(instant, literal(position.id, BigInteger()))
    # The same bound on the timestamp alone, which PostgreSQL prunes partitions by at planning
    # (a row comparison prunes none).
    if descending:
        return and_(logs.c.timestamp <= instant, key < bound)
    return and_(logs.c.timestamp >= instant, key > bound)
