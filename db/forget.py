"""What goes with logs that leave: their pattern assignments and, when a whole partition is
dropped, their counts in the rollups.

Row deletes keep the rollups by trigger (migration 0010); a dropped partition fires none, so
retention calls `forget_counts` for the partition's time range in the same transaction that
drops it. Every table that counts logs by time must lose that range here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, text

from db.models import (
    log_counts,
    log_counts_delta,
    log_counts_minute,
    log_level_counts,
    log_level_counts_minute,
    log_patterns,
    pattern_counts,
    pattern_counts_hourly,
)

# The fold's lock (migration 0010): no fold moves a delta of the range while it is forgotten.
_FOLD_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
FOLD_LOCK_KEY = int.from_bytes(b"lgfold01", "big")
# Every table of counts by time bucket; partitions' bounds are whole days or years in UTC, so
# each bucket (a minute or an hour) falls wholly inside or outside a dropped range.
COUNTED_BY_TIME = (
    log_counts,
    log_counts_minute,
    log_level_counts,
    log_level_counts_minute,
    log_counts_delta,
    pattern_counts,
    pattern_counts_hourly,
)


def forget_assignments(connection: Connection, log_ids: Sequence[int]) -> None:
    """The deleted logs' pattern assignments go too (no foreign key does it, migration 0017)."""
    if log_ids:
        connection.execute(delete(log_patterns).where(log_patterns.c.log_id.in_(log_ids)))


def forget_partition_assignments(connection: Connection, partition: str) -> None:
    """The assignments of every log in a partition about to be dropped."""
    connection.execute(
        text(f"DELETE FROM log_patterns WHERE log_id IN (SELECT id FROM {partition})")
    )


def forget_counts(connection: Connection, *, low: datetime, high: datetime) -> None:
    """Forget the counts of what retention removed: every log of [low, high) has left."""
    if connection.dialect.name == "postgresql":
        connection.execute(_FOLD_LOCK, {"key": FOLD_LOCK_KEY})
    for table in COUNTED_BY_TIME:
        connection.execute(delete(table).where(table.c.bucket >= low).where(table.c.bucket < high))
