"""The legacy JSON shapes (LogCreate, LogRead, stats) and their mapping to resolver types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from core.logs import Stats
from db.levels import ALLOWED_NAMES, Level, parse_level
from db.logs import LogRecord
from rest.openapi import SERVICE_SCHEMA

RestLevel = Annotated[
    Level,
    BeforeValidator(lambda value: parse_level(value) if isinstance(value, str) else value),
    Field(description=f"Case-insensitive; WARNING and CRITICAL accepted. One of {ALLOWED_NAMES}."),
]

_EXAMPLE: dict[str, Any] = {
    "level": "ERROR",
    "message": "Something went wrong",
    "timestamp": "2025-10-09T12:34:56+00:00",
    "metadata_": {"request_id": "abc"},
    "service": "payment-service",
}


class LogCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    level: RestLevel
    message: str
    # Checked by the shared resolver (one rule for GraphQL and REST); documented here.
    service: str = Field(json_schema_extra=SERVICE_SCHEMA)
    timestamp: datetime | None = Field(default=None, description="Server time when omitted.")
    metadata_: dict[str, Any] | None = None

    @property
    def metadata(self) -> dict[str, Any] | None:
        """The resolvers' name for the legacy `metadata_`."""
        return self.metadata_


class LogRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 1, **_EXAMPLE}]})

    id: int
    level: Level
    message: str
    timestamp: datetime
    metadata_: dict[str, Any] | None
    service: str


class StatsRead(BaseModel):
    total_logs: int
    by_level: dict[str, int]
    by_service: dict[str, int]


def log_read(log: LogRecord) -> dict[str, Any]:
    """A log in the legacy LogRead shape."""
    return {
        "id": log.id,
        "level": log.level.value,
        "message": log.message,
        "timestamp": log.timestamp,
        "metadata_": log.metadata,
        "service": log.service,
    }


def stats_read(stats: Stats) -> dict[str, Any]:
    return {
        "total_logs": stats.total_logs,
        "by_level": {item.level.value: item.count for item in stats.by_level},
        "by_service": {item.service: item.count for item in stats.by_service},
    }


def json_response(content: Any) -> Response:
    """Serialise with orjson, skipping FastAPI's slower re-validation of our own output."""
    return Response(orjson.dumps(content), media_type="application/json")
