"""What is stored, for operators: the partitions with their sizes, the oldest log, the bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, text

from db.models import logs
from db.partition_layout import HIGHEST, LOWEST
from db.partitions import list_partitions

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
    oldest = connection.execute(select(func.min(logs.c.timestamp))).scalar()
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
