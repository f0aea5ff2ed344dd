"""What is stored, for operators: the partitions with their sizes, the oldest log, the bytes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, text

from db.logs import LogCriteria, filtered
from db.models import logs
from db.partition_layout import HIGHEST, LOWEST, Bounds
from db.partitions import list_partitions

EVERY_LOG = LogCriteria()
FIRST_GROUP = 1  # partitions read by the first query for the oldest log; each next reads twice

_SIZES = text(
    "SELECT c.relname, greatest(c.reltuples, 0)::float8, pg_total_relation_size(c.oid)::float8"
    " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
    " WHERE i.inhparent = 'logs'::regclass"
)
_SQLITE_BYTES = text("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")


@dataclass(frozen=True, slots=True)
class PartitionInfo:
    name: str
    start: datetime | None  # None: open-ended
    end: datetime | None
    rows_estimated: float
    bytes: float


@dataclass(frozen=True, slots=True)
class StorageInfo:
    partitions: list[PartitionInfo]
    oldest_log: datetime | None
    total_bytes: float


def storage_info(connection: Connection) -> StorageInfo:
    """On PostgreSQL each partition's planner estimate of rows and its bytes with indexes;
    SQLite has one table, shown as one partition of the file's size. Run in a transaction."""
    oldest = oldest_log(connection)
    if connection.dialect.name != "postgresql":
        size = float(connection.execute(_SQLITE_BYTES).scalar_one())
        rows = float(connection.execute(select(func.count()).select_from(logs)).scalar_one())
        return StorageInfo([PartitionInfo("logs", None, None, rows, size)], oldest, size)
    sizes = {name: (rows, size) for name, rows, size in connection.execute(_SIZES)}
    partitions = [
        PartitionInfo(
            partition.name,
            None if partition.bounds.low == LOWEST else partition.bounds.low,
            None if partition.bounds.high == HIGHEST else partition.bounds.high,
            *sizes.get(partition.name, (0.0, 0.0)),
        )
        for partition in list_partitions(connection)
    ]
    return StorageInfo(partitions, oldest, sum(partition.bytes for partition in partitions))


def oldest_log(
    connection: Connection,
    criteria: LogCriteria = EVERY_LOG,
    *,
    bounds: Sequence[Bounds] | None = None,
) -> datetime | None:
    """The oldest matching log's timestamp. On PostgreSQL `min(timestamp)` over `logs` would
    plan every partition, hundreds of them, for an answer the first one holding a match has:
    partitions are read in bound order instead, a group at a time (1, 2, 4, ... of them, each
    query pruned to its group's range at planning), up to the first group holding a match.

    `bounds` are the partitions' (sorted) as the caller knows them, else listed, which needs a
    transaction (bounds read in UTC). Any bounds give the right answer: the groups' ranges
    follow one another from the first instant to the last, so a partition they miss (made
    since) is read with the group whose range holds it."""
    if connection.dialect.name != "postgresql":
        return _oldest_within(connection, criteria, LOWEST, HIGHEST)
    if bounds is None:
        bounds = [partition.bounds for partition in list_partitions(connection)]
    low, at, size = LOWEST, 0, FIRST_GROUP
    while True:
        at += size
        high = bounds[at - 1].high if at < len(bounds) else HIGHEST
        oldest = _oldest_within(connection, criteria, low, high)
        if oldest is not None or high == HIGHEST:
            return oldest
        low, size = high, size * 2


def _oldest_within(
    connection: Connection, criteria: LogCriteria, low: datetime, high: datetime
) -> datetime | None:
    conditions = []
    if low != LOWEST:
        conditions.append(logs.c.timestamp >= low)
    if high != HIGHEST:
        conditions.append(logs.c.timestamp < high)
    statement = filtered(select(func.min(logs.c.timestamp)), criteria).where(*conditions)
    oldest: datetime | None = connection.execute(statement).scalar()
    return oldest
