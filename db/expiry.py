"""Expiry: a retention pass's statements. Whole partitions leave by DETACH .. CONCURRENTLY and
DROP on PostgreSQL; logs that must leave before their partition can are deleted in bounded
batches (and every expired log so on SQLite).

A partition is dropped when every log in it has outlived the longest any rule or the default
keeps any log (`longest_days`): its upper bound is older than that. Logs some shorter rule
expires are deleted by row, in batches of DELETE_BATCH, each its own transaction. Logs that
only the longest retention governs are never deleted by row on PostgreSQL: they leave with
their partition, at most one partition's width late, and never early.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from sqlalchemy import Connection, delete, select, text, tuple_

from db.forget import forget_assignments, forget_counts, forget_partition_assignments
from db.models import logs
from db.partition_layout import LOWEST, Bounds
from db.partitions import (
    KNOWN,
    PARTITION_LOCK_KEY,
    Partition,
    bounds_sql,
    database_key,
    list_partitions,
    parse_bounds,
)
from db.retention_rules import RetentionRule, kept_days, longest_days
from db.storage import oldest_log

T = TypeVar("T")
DELETE_BATCH = 5_000
# pg_advisory_lock's key: one retention pass at a time across every process.
PASS_LOCK_KEY = int.from_bytes(b"lgkeep01", "big")
# A partition's comment before its detach: a pass cut short after the detach leaves a table
# that is no partition any more, and the next pass finds it, with its bounds, by this note.
DROPPING = "lograph: detached to be dropped, "
_DETACHED = text(
    "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c"
    " WHERE c.relkind = 'r' AND NOT c.relispartition"
    " AND c.relnamespace = current_schema()::regnamespace"
    " AND obj_description(c.oid, 'pg_class') LIKE :note"
)


@dataclass(frozen=True, slots=True)
class RetentionRun:
    """What one pass removed, and the oldest log left."""

    dropped_partitions: int
    deleted_logs: int
    oldest_kept: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Retention:
    """What a pass applies: the rules, the default days (None: forever) and the instant."""

    rules: Sequence[RetentionRule]
    default: int | None
    now: datetime

    @property
    def longest(self) -> int | None:
        return longest_days(self.rules, self.default)

    def cutoff(self, days: int) -> datetime:
        """The instant before which logs kept `days` days have expired; the first instant
        there is when that is before year 1 (a rule may keep logs longer than any can be old)."""
        if days >= (self.now - LOWEST).days:
            return LOWEST
        return self.now - timedelta(days=days)

    def day_counts(self) -> set[int]:
        """Every number of days some log is kept."""
        days = {rule.days for rule in self.rules}
        return days if self.default is None else days | {self.default}


def postgres_pass(
    connection: Connection, *, retention: Retention, wait: bool
) -> RetentionRun | None:
    """A whole pass on one connection outside a transaction, under the pass lock; None when
    another process's pass holds it and not `wait`."""
    if not take_pass_lock(connection, wait=wait):
        return None
    try:
        dropped, kept = drop_expired_partitions(connection, retention)
        deleted = 0
        for days in sorted(retention.day_counts()):
            batch = DELETE_BATCH
            while batch == DELETE_BATCH:
                batch = _in_transaction(
                    connection, partial(delete_expired_batch, retention=retention, days=days)
                )
                deleted += batch
        return RetentionRun(dropped, deleted, oldest_log(connection, bounds=kept))
    finally:
        release_pass_lock(connection)


def take_pass_lock(connection: Connection, *, wait: bool) -> bool:
    """The session lock one pass at a time holds; False when another pass has it and not
    `wait`. Call on a connection outside a transaction, and `release_pass_lock` after."""
    function = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
    taken = connection.execute(text(f"SELECT {function}(:key)"), {"key": PASS_LOCK_KEY}).scalar()
    return taken is not False


def release_pass_lock(connection: Connection) -> None:
    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PASS_LOCK_KEY})


def drop_expired_partitions(
    connection: Connection, retention: Retention
) -> tuple[int, list[Bounds]]:
    """Finish detaches a cut-short pass left pending, then detach and drop every partition
    whose logs have all expired; how many were dropped, and the bounds of those left (one
    listing of the partitions serves the whole pass). Outside a transaction."""
    dropped = _drop_detached(connection)
    longest = retention.longest
    cutoff = None if longest is None else retention.cutoff(longest)
    partitions = _in_transaction(connection, list_partitions)
    kept: list[Bounds] = []
    for partition in partitions:
        if partition.detach_pending:
            connection.execute(text(f"ALTER TABLE logs DETACH PARTITION {partition.name} FINALIZE"))
            _drop(connection, partition)
        elif cutoff is not None and partition.bounds.high <= cutoff:
            _detach_and_drop(connection, partition)
        else:
            kept.append(partition.bounds)
    dropped += len(partitions) - len(kept)
    if dropped:
        KNOWN.forget(database_key(connection))
    return dropped, kept


def delete_expired_batch(connection: Connection, retention: Retention, *, days: int) -> int:
    """Delete up to DELETE_BATCH logs kept `days` days and older than that; how many. On
    PostgreSQL the logs the longest retention keeps are left to their partitions' drop."""
    if connection.dialect.name == "postgresql" and days == retention.longest:
        return 0
    decided = kept_days(retention.rules, retention.default) == days
    cutoff = retention.cutoff(days)
    postgres = connection.dialect.name == "postgresql"
    # PostgreSQL: by the whole key, and the time bound again, so each row is looked for in its
    # own partition only (by id alone every partition is probed). SQLite: one table, by id.
    key = [logs.c.id, logs.c.timestamp] if postgres else [logs.c.id]
    chosen = select(*key).where(logs.c.timestamp < cutoff, decided).limit(DELETE_BATCH)
    matched = tuple_(*key).in_(chosen) if postgres else logs.c.id.in_(chosen)
    statement = delete(logs).where(logs.c.timestamp < cutoff).where(matched).returning(logs.c.id)
    ids = list(connection.execute(statement).scalars())
    forget_assignments(connection, ids)
    return len(ids)


def _drop_detached(connection: Connection) -> int:
    """Drop, and forget the counts of, what a pass cut short detached and did not drop."""
    left = connection.execute(_DETACHED, {"note": DROPPING + "%"}).all()
    for name, note in left:
        _drop(connection, Partition(name, parse_bounds(note.removeprefix(DROPPING)), False))
    return len(left)


def mark_for_drop(connection: Connection, partition: Partition) -> None:
    """Note on the partition, before it is detached, that it goes and which logs it held."""
    note = DROPPING + "FOR VALUES " + bounds_sql(partition.bounds)
    connection.execute(text(f"COMMENT ON TABLE {partition.name} IS :note"), {"note": note})


def _detach_and_drop(connection: Connection, partition: Partition) -> None:
    """DETACH CONCURRENTLY waits for no lock that writers hold long, and no writer waits for
    it. The partition lock keeps a writer from creating a partition over the range before its
    counts are forgotten; only writes of logs this old wait for it."""
    key = {"key": PARTITION_LOCK_KEY}
    connection.execute(text("SELECT pg_advisory_lock(:key)"), key)
    try:
        mark_for_drop(connection, partition)
        connection.execute(text(f"ALTER TABLE logs DETACH PARTITION {partition.name} CONCURRENTLY"))
        _drop(connection, partition)
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)


def _drop(connection: Connection, partition: Partition) -> None:
    """The detached partition's assignments and counts go in the transaction that drops it."""
    _in_transaction(connection, partial(_forget_and_drop, partition=partition))


def _forget_and_drop(connection: Connection, *, partition: Partition) -> None:
    forget_partition_assignments(connection, partition.name)
    forget_counts(connection, low=partition.bounds.low, high=partition.bounds.high)
    connection.execute(text(f"DROP TABLE {partition.name}"))


def _in_transaction(connection: Connection, work: Callable[[Connection], T]) -> T:
    """Work in one transaction on a connection in autocommit mode."""
    connection.execute(text("BEGIN"))
    try:
        done = work(connection)
    except BaseException:
        connection.execute(text("ROLLBACK"))
        raise
    connection.execute(text("COMMIT"))
    return done
