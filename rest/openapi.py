"""What `/docs` shows beyond the routes' signatures: shared error answers and body examples."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from core.validation import MAX_PAGE_SIZE, MAX_SKIP
from db.models import MAX_SERVICE_LENGTH

# Non-blank, no NUL (which PostgreSQL cannot store).
SERVICE_SCHEMA: dict[str, Any] = {
    "minLength": 1,
    "maxLength": MAX_SERVICE_LENGTH,
    "pattern": r"^[^\x00]*[^\s\x00][^\x00]*$",
}
MESSAGE_SCHEMA: dict[str, Any] = {"pattern": r"^[^\x00]*$"}
# The bounds the shared resolvers check (one rule for GraphQL and REST), documented here.
Skip = Annotated[int, Query(json_schema_extra={"minimum": 0, "maximum": MAX_SKIP})]
Limit = Annotated[int, Query(json_schema_extra={"minimum": 0, "maximum": MAX_PAGE_SIZE})]
LogId = Annotated[int, Path(json_schema_extra={"minimum": 1, "maximum": 2**63 - 1})]

# Every /api/v1 route reads or writes the database.
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "The database is unreachable; retry later",
        "content": {"application/json": {"example": {"detail": "Database unavailable"}}},
    }
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "No log has this id",
        "content": {"application/json": {"example": {"detail": "Log not found"}}},
    }
}
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {
        "description": "More than 10,000 logs, or a body over 64 MiB",
        "content": {
            "application/json": {"example": {"detail": "inputs: at most 10000 logs per request"}}
        },
    }
}

BULK_EXAMPLES: dict[str, dict[str, Any]] = {
    "two services": {
        "summary": "Two logs, one with metadata",
        "value": [
            {
                "level": "INFO",
                "message": "login",
                "service": "auth-service",
                "timestamp": "2025-10-09T12:34:56+00:00",
            },
            {
                "level": "warning",
                "message": "slow login",
                "service": "auth-service",
                "metadata_": {"duration_ms": 2400, "user": {"id": 7}},
            },
        ],
    }
}
