"""Retention rules and passes: what GraphQL's retention fields and maintenance share.

A pass applies the rules as they are when it starts to every stored log, old ones included: a
rule change applies to the logs already stored from the next pass on. A log is never removed
before the rule (or the default) deciding it has kept it its `days` (db/expiry.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial

from core import audit
from core.access import Caller
from core.errors import UserInputError
from core.validation import check_service, check_text
from db import expiry
from db import retention_rules as queries
from db.engine import Database
from db.expiry import RetentionRun
from db.levels import Level
from db.models import MAX_RULE_NAME_LENGTH
from db.retention_rules import RetentionRule
from db.storage import StorageInfo, oldest_log, storage_info

MAX_SERVICES = 100
MAX_DAYS = 1_000_000  # beyond year 9999 from any instant lograph stores


def make_rule(
    *,
    name: str,
    services: Sequence[str] | None,
    levels: Sequence[Level] | None,
    days: int,
    priority: int,
) -> RetentionRule:
    """Validate a rule; BAD_USER_INPUT names the field, before anything is stored."""
    check_text("name", name, max_bytes=None)
    if len(name) > MAX_RULE_NAME_LENGTH:
        raise UserInputError("name", f"must be at most {MAX_RULE_NAME_LENGTH} characters")
    if services is not None:
        if len(services) > MAX_SERVICES:
            raise UserInputError("services", f"must list at most {MAX_SERVICES} services")
        for index, service in enumerate(services):
            check_service("services", service, index=index)
    if not 1 <= days <= MAX_DAYS:
        raise UserInputError("days", f"must be from 1 to {MAX_DAYS}")
    return RetentionRule(
        name=name,
        services=None if services is None else frozenset(services),
        levels=None if levels is None else frozenset(levels),
        days=days,
        priority=priority,
    )


async def list_rules(db: Database) -> list[RetentionRule]:
    return await db.write(queries.list_rules)  # on the primary, as passes read them


async def upsert_rule(db: Database, *, caller: Caller, rule: RetentionRule) -> RetentionRule:
    stored = await db.write(lambda connection: queries.upsert_rule(connection, rule))
    audit.record(caller, "upsert retention rule", rule.name)
    return stored


async def delete_rule(db: Database, *, caller: Caller, name: str) -> RetentionRule | None:
    deleted = await db.write(lambda connection: queries.delete_rule(connection, name))
    if deleted is not None:
        audit.record(caller, "delete retention rule", name)
    return deleted


async def storage(db: Database) -> StorageInfo:
    """Partitions, sizes and the oldest log, read on the primary like the partitions' DDL."""
    return await db.write(storage_info)


class Retention:
    """Runs passes: one at a time in this process, and on PostgreSQL one at a time across
    every process (a session advisory lock held for the pass)."""

    def __init__(self, *, db: Database, default_days: int | None) -> None:
        self._db = db
        self.default_days = default_days
        self._lock = asyncio.Lock()

    async def apply(self, *, wait: bool = True) -> RetentionRun | None:
        """One pass now; None when not `wait` and another pass is running."""
        if not wait and self._lock.locked():
            return None
        async with self._lock:
            retention = expiry.Retention(
                rules=await list_rules(self._db),
                default=self.default_days,
                now=datetime.now(UTC),
            )
            if self._db.is_sqlite:
                return await self._delete_all(retention)
            postgres_pass = partial(expiry.postgres_pass, retention=retention, wait=wait)
            return await self._db.write_statement(postgres_pass)

    async def _delete_all(self, retention: expiry.Retention) -> RetentionRun:
        """SQLite: bounded batches, each its own transaction, so writers get turns between."""
        deleted = 0
        for days in sorted(retention.day_counts()):
            while True:
                batch = await self._db.write(
                    partial(expiry.delete_expired_batch, retention=retention, days=days)
                )
                deleted += batch
                if batch < expiry.DELETE_BATCH:
                    break
        return RetentionRun(0, deleted, await self._db.read(oldest_log))
