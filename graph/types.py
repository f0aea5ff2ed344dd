"""Output types of the GraphQL schema. Where a domain type has the GraphQL shape already, it is
exposed as it is: Strawberry reads fields by attribute, so no copy is made per row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeAlias, cast

import strawberry
from strawberry.scalars import JSON

from core.logs import LevelCount, ServiceCount, SortOrder, Stats
from db.levels import Level
from db.logs import LogRecord

strawberry.enum(Level, name="LogLevel", description="Log severity, least severe first.")
LogLevel: TypeAlias = Level
strawberry.enum(SortOrder)


@strawberry.type
class Log:
    """Served straight from `LogRecord`s: `id` (an int there) serialises as an ID."""

    id: strawberry.ID
    timestamp: datetime
    level: LogLevel
    service: str
    message: str
    metadata: JSON | None


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
    "ServiceCount",
    "SortOrder",
    "Stats",
]
