"""Input types of the GraphQL schema (REST builds the same ones from its JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

import strawberry
from strawberry.scalars import JSON
from strawberry.types.arguments import InputContext

from db.levels import BY_NAME, Level
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


class LogDraft(Protocol):
    """What the resolvers read of a new log: a LogInput, or REST's LogCreate as it is."""

    @property
    def level(self) -> Level: ...
    @property
    def service(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def timestamp(self) -> datetime | None: ...
    @property
    def metadata(self) -> Any: ...


def _log_input_from_graphql(
    cls: type[LogInput], value: Mapping[str, Any], _: InputContext
) -> LogInput:
    """Build from graphql-core's already coerced value: bulkCreate brings thousands at once,
    and Strawberry's generic conversion re-resolves every field's type for each of them."""
    return cls(
        level=BY_NAME[value["level"]],
        service=value["service"],
        message=value["message"],
        timestamp=value.get("timestamp"),
        metadata=value.get("metadata"),
    )


def _log_filter_from_graphql(
    cls: type[LogFilter], value: Mapping[str, Any], _: InputContext
) -> LogFilter:
    """The same shortcut for the filter, which every `logs` and `stats` query converts."""
    levels = value.get("levels")
    return cls(
        level=_level(value.get("level")),
        levels=None if levels is None else [BY_NAME[name] for name in levels],
        min_level=_level(value.get("minLevel")),
        service=value.get("service"),
        services=value.get("services"),
        start_time=value.get("startTime"),
        end_time=value.get("endTime"),
        message_contains=value.get("messageContains"),
    )


def _level(name: str | None) -> Level | None:
    return None if name is None else BY_NAME[name]


# Documented Strawberry hook: build these inputs from graphql-core's value in one step.
LogInput.__strawberry_definition__.from_input = _log_input_from_graphql  # type: ignore[attr-defined]
LogFilter.__strawberry_definition__.from_input = _log_filter_from_graphql  # type: ignore[attr-defined]
