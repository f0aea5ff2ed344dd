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
from rest.openapi import MESSAGE_SCHEMA, SERVICE_SCHEMA

RestLevel = Annotated[
    Level,
    BeforeValidator(lambda value: parse_level(value) if isinstance(value, str) else value),
    Field(description=f"Case-insensitive; WARNING and CRITICAL accepted. One of {ALLOWED_NAMES}."),
]


def _iso_text(value: object) -> object:
    """Refuse what pydantic would read as Unix time (a number, or text that is one): the
    contract's timestamps are ISO 8601 text, and so says the schema's `format: date-time`."""
    if isinstance(value, str) and not _is_number(value):
        return value
    if isinstance(value, datetime):  # already parsed (a default, or a Python caller)
        return value
    raise ValueError("must be an ISO 8601 date-time, such as 2025-10-09T12:34:56+00:00")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_text)]

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
    message: str = Field(json_schema_extra=MESSAGE_SCHEMA)
    # Checked by the shared resolver (one rule for GraphQL and REST); documented here.
    service: str = Field(json_schema_extra=SERVICE_SCHEMA)
    timestamp: IsoDateTime | None = Field(default=None, description="Server time when omitted.")
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
