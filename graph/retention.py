"""Retention in the schema: rules by name, a pass on demand, what is stored. Admin only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from core import retention
from db import expiry, retention_rules, storage
from graph.access import ADMIN, caller_of
from graph.types import LogLevel


@strawberry.type(
    description="Logs of `services` and `levels` (absent: all) are kept `days` days; of the "
    "rules that match a log, the highest `priority` decides, then the fewest `days`."
)
class RetentionRule:
    name: str
    services: list[str] | None
    levels: list[LogLevel] | None
    days: int
    priority: int

    @classmethod
    def from_rule(cls, rule: retention_rules.RetentionRule) -> RetentionRule:
        return cls(
            name=rule.name,
            services=None if rule.services is None else sorted(rule.services),
            levels=None if rule.levels is None else sorted(rule.levels, key=list(LogLevel).index),
            days=rule.days,
            priority=rule.priority,
        )


@strawberry.input(description="Upserting an existing name replaces that rule.")
class RetentionRuleInput:
    name: str = strawberry.field(description="1 to 100 characters.")
    services: list[str] | None = strawberry.field(default=None, description="At most 100.")
    levels: list[LogLevel] | None = None
    days: int = strawberry.field(description="At least 1.")
    priority: int | None = 0


@strawberry.type(description="What one retention pass removed.")
class RetentionRun:
    dropped_partitions: int = strawberry.field(description="Partitions detached and dropped.")
    deleted_logs: int = strawberry.field(description="Logs deleted row by row.")
    oldest_kept: datetime | None = strawberry.field(description="The oldest log left.")

    @classmethod
    def from_run(cls, run: expiry.RetentionRun) -> RetentionRun:
        return cls(
            dropped_partitions=run.dropped_partitions,
            deleted_logs=run.deleted_logs,
            oldest_kept=run.oldest_kept,
        )


@strawberry.type(description="One partition of the logs (SQLite: the one table).")
class StoragePartition:
    name: str
    start: datetime | None = strawberry.field(description="Inclusive; null: open-ended.")
    end: datetime | None = strawberry.field(description="Exclusive; null: open-ended.")
    rows_estimated: float = strawberry.field(description="The planner's estimate.")
    bytes: float = strawberry.field(description="With its indexes.")


@strawberry.type(description="What is stored.")
class StorageInfo:
    partitions: list[StoragePartition]
    oldest_log: datetime | None
    total_bytes: float

    @classmethod
    def from_info(cls, info: storage.StorageInfo) -> StorageInfo:
        partitions = [
            StoragePartition(
                name=one.name,
                start=one.start,
                end=one.end,
                rows_estimated=one.rows_estimated,
                bytes=one.bytes,
            )
            for one in info.partitions
        ]
        return cls(partitions=partitions, oldest_log=info.oldest_log, total_bytes=info.total_bytes)


@strawberry.type
class RetentionQueries:
    @strawberry.field(description="Every retention rule, by name.", permission_classes=ADMIN)
    async def retention_rules(self, info: Info[Any, None]) -> list[RetentionRule]:
        rules = await retention.list_rules(info.context.runtime.db)
        return [RetentionRule.from_rule(rule) for rule in rules]

    @strawberry.field(permission_classes=ADMIN)
    async def storage(self, info: Info[Any, None]) -> StorageInfo:
        return StorageInfo.from_info(await retention.storage(info.context.runtime.db))


@strawberry.type
class RetentionMutations:
    @strawberry.mutation(
        description="Creates the rule, or replaces the one with its name.",
        permission_classes=ADMIN,
    )
    async def upsert_retention_rule(
        self, info: Info[Any, None], input: RetentionRuleInput
    ) -> RetentionRule:
        rule = retention.make_rule(
            name=input.name,
            services=input.services,
            levels=input.levels,
            days=input.days,
            priority=0 if input.priority is None else input.priority,
        )
        runtime = info.context.runtime
        stored = await retention.upsert_rule(runtime.db, caller=caller_of(info), rule=rule)
        return RetentionRule.from_rule(stored)

    @strawberry.mutation(
        description="Returns the deleted rule, or null when absent.", permission_classes=ADMIN
    )
    async def delete_retention_rule(self, info: Info[Any, None], name: str) -> RetentionRule | None:
        runtime = info.context.runtime
        rule = await retention.delete_rule(runtime.db, caller=caller_of(info), name=name)
        return None if rule is None else RetentionRule.from_rule(rule)

    @strawberry.mutation(
        description="One retention pass now, as maintenance runs it (after one that is running).",
        permission_classes=ADMIN,
    )
    async def apply_retention(self, info: Info[Any, None]) -> RetentionRun:
        run = await info.context.runtime.retention.apply()
        assert run is not None  # a waiting pass always runs
        return RetentionRun.from_run(run)
