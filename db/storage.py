"""What is stored, for operators: the partitions with their sizes, the oldest log, the bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, text

from db.models import logs
from db.partition_layout import HIGHEST, LOWEST
from db.partitions import list_partitions

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


def oldest_log(connection: Connection) -> datetime | None:
    """The oldest log's timestamp. On PostgreSQL `min(timestamp)` over `logs` would plan every
    partition, hundreds of them, for an answer the first non-empty one holds: partitions are
    read in bound order instead, a group at a time (1, 2, 4, ... of them, each query pruned to
    its group's range at planning), up to the first group holding a log. Run in a transaction
    (the partitions' bounds are read in UTC)."""
    if connection.dialect.name != "postgresql":
        return _oldest_within(connection, LOWEST, HIGHEST)
    bounds = [partition.bounds for partition in list_partitions(connection)]
    at, size = 0, FIRST_GROUP
    while at < len(bounds):
        group = bounds[at : at + size]
        oldest = _oldest_within(connection, group[0].low, group[-1].high)
        if oldest is not None:
            return oldest
        at, size = at + size, size * 2
    return None


def _oldest_within(connection: Connection, low: datetime, high: datetime) -> datetime | None:
    conditions = []
    if low != LOWEST:
        conditions.append(logs.c.timestamp >= low)
    if high != HIGHEST:
        conditions.append(logs.c.timestamp < high)
    oldest: datetime | None = connection.execute(
        select(func.min(logs.c.timestamp)).where(*conditions)
    ).scalar()
    return oldest
