"""Input types of the GraphQL schema (REST builds the same ones from its JSON)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from graph.types import LogLevel


@strawberry.input(description="Every given condition must hold; time bounds are inclusive.")
class LogFilter:
    level: LogLevel | None = None
    levels: list[LogLevel] | None = None
    min_level: LogLevel | None = strawberry.field(
        default=None, description="This level and every more severe one."
    )
    service: str | None = None
    services: list[str] | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    message_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the message."
    )


@strawberry.input
class LogInput:
    level: LogLevel
    service: str
    message: str
    timestamp: datetime | None = strawberry.field(
        default=None, description="Server time when omitted."
    )
    metadata: JSON | None = None
