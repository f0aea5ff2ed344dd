"""Output types of the GraphQL schema (also the records REST serialises)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TypeAlias

import strawberry
from strawberry.scalars import JSON

from db.levels import BY_NAME, Level
from db.logs import LogRow

strawberry.enum(Level, name="LogLevel", description="Log severity, least severe first.")
LogLevel: TypeAlias = Level


@strawberry.enum
class SortOrder(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.type
class Log:
    id: strawberry.ID
    timestamp: datetime
    level: LogLevel
    service: str
    message: str
    metadata: JSON | None

    @classmethod
    def from_row(cls, row: LogRow) -> Log:
        return cls(
            id=strawberry.ID(str(row.id)),
            timestamp=row.timestamp,
            level=BY_NAME[row.level],
            service=row.service,
            message=row.message,
            metadata=row.metadata,
        )


@strawberry.type
class LevelCount:
    level: LogLevel
    count: int


@strawberry.type
class ServiceCount:
    service: str
    count: int


@strawberry.type
class Stats:
    total_logs: int
    by_level: list[LevelCount]
    by_service: list[ServiceCount]


@strawberry.type
class BulkCreateResult:
    count: int
    ids: list[strawberry.ID]
    logs: list[Log]
