"""Output types of the GraphQL schema. Where a domain type has the GraphQL shape already, it is
exposed as it is: Strawberry reads fields by attribute, so no copy is made per row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeAlias, cast

import strawberry
from strawberry.scalars import JSON

from core.logs import LevelCount, ServiceCount, SortOrder, Stats
from core.patterns import PatternGroup
from db.levels import Level
from db.logs import LogRecord
from db.pattern_reads import PatternOrder
from graph.context import Context
from graph.histogram_types import HistogramBucket, HistogramInterval

strawberry.enum(Level, name="LogLevel", description="Log severity, least severe first.")
LogLevel: TypeAlias = Level
strawberry.enum(SortOrder)
strawberry.enum(PatternOrder, description="Most first; ties by id.")


@strawberry.type
class Log:
    """Served straight from `LogRecord`s: `id` (an int there) serialises as an ID."""

    id: strawberry.ID
    timestamp: datetime
    level: LogLevel
    service: str
    message: str
    metadata: JSON | None

    @strawberry.field(description="Null until the log has been mined (docs/patterns.md).")
    async def pattern(self, info: strawberry.Info[Context, None]) -> Pattern | None:
        # One query for the patterns of every log of the request (a DataLoader's batch).
        return cast(Pattern | None, await info.context.log_patterns.load(int(self.id)))


@strawberry.type(description="A message with its variable parts masked (docs/patterns.md).")
class Pattern:
    """Served straight from core's `Pattern`s; what is counted, its group counts for all the
    patterns of the answer at once."""

    id: strawberry.ID = strawberry.field(
        description="Stable: the same template under the same service keeps its id."
    )
    service: str
    template: str
    first_seen: datetime = strawberry.field(description="Of every log it was given.")
    last_seen: datetime = strawberry.field(description="Of every log it was given.")
    group: strawberry.Private[PatternGroup]

    @strawberry.field(description="Its logs matching the query's filter and range.")
    async def count(self) -> int:
        tally = await self.group.tally(int(self.id))
        return 0 if tally is None else tally.count

    @strawberry.field(description="`count` by level, least severe first.")
    async def by_level(self) -> list[LevelCount]:
        return await self.group.by_level(int(self.id))

    @strawberry.field(description="Of its logs counted, the one written last.")
    async def sample(self) -> Log | None:
        record = await self.group.sample(int(self.id))
        return None if record is None else as_logs([record])[0]

    @strawberry.field(description="`count` per bucket, as `histogram` with the same filter.")
    async def histogram(self, interval: HistogramInterval) -> list[HistogramBucket]:
        return await self.group.histogram(int(self.id), interval)


def as_logs(records: Sequence[LogRecord]) -> list[Log]:
    """Stored logs as the GraphQL `Log` they already look like."""
    return cast(list[Log], records)


for _domain_type in (LevelCount, ServiceCount, Stats):
    strawberry.type(_domain_type)


@strawberry.type
class BulkCreateResult:
    count: int
    ids: list[strawberry.ID]
    logs: list[Log]


__all__ = [
    "BulkCreateResult",
    "LevelCount",
    "Log",
    "LogLevel",
    "Pattern",
    "PatternOrder",
    "ServiceCount",
    "SortOrder",
    "Stats",
]
