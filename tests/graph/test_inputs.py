"""GraphQL inputs reach the resolvers whole: no field of LogFilter or LogInput is dropped."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from strawberry.schema.config import StrawberryConfig
from strawberry.types.arguments import InputContext

from core.filters import LogFilter
from db.levels import Level
from graph.inputs import LogFilterInput, LogInput

CONTEXT = InputContext(info=None, config=StrawberryConfig(), scalar_registry={}, path=())
MOMENT = datetime(2025, 10, 9, tzinfo=UTC)


def _definition(input_type: type) -> Any:
    return input_type.__strawberry_definition__  # type: ignore[attr-defined]


def _graphql_fields(input_type: type) -> set[str]:
    return {field.python_name for field in _definition(input_type).fields}


def test_every_log_filter_field_has_a_place_in_the_resolvers_filter() -> None:
    assert _graphql_fields(LogFilterInput) == {f.name for f in dataclasses.fields(LogFilter)}


def test_a_filter_with_every_field_given_arrives_with_every_field_set() -> None:
    value = {  # as graphql-core hands it over: enums by name, scalars parsed
        "level": "ERROR",
        "levels": ["ERROR", "WARN"],
        "minLevel": "WARN",
        "service": "api",
        "services": ["api"],
        "startTime": MOMENT,
        "endTime": MOMENT,
        "messageContains": "x",
    }
    assert len(value) == len(_definition(LogFilterInput).fields), "give every field here"
    built = _definition(LogFilterInput).from_input(LogFilterInput, value, CONTEXT)
    assert isinstance(built, LogFilter)
    assert [f.name for f in dataclasses.fields(LogFilter) if getattr(built, f.name) is None] == []
    assert built.levels == [Level.ERROR, Level.WARN]
    assert built.min_level is Level.WARN


def test_a_log_input_with_every_field_given_arrives_with_every_field_set() -> None:
    value = {
        "level": "FATAL",
        "service": "api",
        "message": "m",
        "timestamp": MOMENT,
        "metadata": {"k": 1},
    }
    assert len(value) == len(_definition(LogInput).fields), "give every field here"
    built = _definition(LogInput).from_input(LogInput, value, CONTEXT)
    assert dataclasses.asdict(built) == {**value, "level": Level.FATAL}
