"""Keyset pages over (timestamp, id): any page costs what the first page costs."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection

from db import newest_first, partition_walk, pattern_pages
from db.keyset import Position
from db.logs import LogCriteria, LogRecord, keyset_rows, pattern_rows
from db.models import as_utc


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
    if pattern_pages.applies(criteria):  # through the assignments, whatever the time range
        return pattern_rows(
            connection, criteria, descending=descending, after=after, before=before, limit=limit
        )
    if descending and before is None and newest_first.applies(connection, criteria):

        def part(narrowed: LogCriteria, size: int) -> list[LogRecord]:
            return keyset_rows(connection, narrowed, descending=True, after=after, limit=size)

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
            return keyset_rows(connection, narrowed, descending=False, after=after, limit=size)

        return partition_walk.walk(
            connection, criteria, descending=False, limit=limit, page=ascending
        )
    return keyset_rows(
        connection, criteria, descending=descending, after=after, before=before, limit=limit
    )
