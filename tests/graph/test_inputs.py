"""GraphQL inputs reach the resolvers whole: no field of LogFilter or LogInput is dropped."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from strawberry.schema.config import StrawberryConfig
from strawberry.types.arguments import InputContext

from core.conditions import ABSENT
from core.filters import LogFilter, MetadataFilter
from db.levels import Level
from graph.inputs import LogFilterInput, LogInput, MetadataFilterInput

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
        "metadata": [{"path": "p", "exists": True}],
        "messageMatches": "m",
        "anyOf": [{"service": "t"}],
        "not": {"service": "u"},
        "patterns": ["7"],
    }
    assert len(value) == len(_definition(LogFilterInput).fields), "give every field here"
    built = _definition(LogFilterInput).from_input(LogFilterInput, value, CONTEXT)
    assert isinstance(built, LogFilter)
    assert [f.name for f in dataclasses.fields(LogFilter) if getattr(built, f.name) is None] == []
    assert built.levels == [Level.ERROR, Level.WARN]
    assert built.min_level is Level.WARN
    assert built.metadata == [MetadataFilter(path="p", exists=True)]
    assert built.any_of == [LogFilter(service="t")]
    assert built.not_ == LogFilter(service="u")


def test_every_metadata_filter_field_has_a_place_and_arrives() -> None:
    fields = {f.name for f in dataclasses.fields(MetadataFilter)}
    assert _graphql_fields(MetadataFilterInput) == fields
    value = {
        "path": "a.b",
        "equals": None,
        "notEquals": 1,
        "in": [1],
        "exists": True,
        "contains": "x",
        "gt": 1.0,
        "gte": 1.0,
        "lt": 2.0,
        "lte": 2.0,
    }
    assert len(value) == len(_definition(MetadataFilterInput).fields), "give every field here"
    build = _definition(MetadataFilterInput).from_input
    assert build(MetadataFilterInput, value, CONTEXT) == MetadataFilter(
        path="a.b",
        equals=None,
        not_equals=1,
        in_=[1],
        exists=True,
        contains="x",
        gt=1.0,
        gte=1.0,
        lt=2.0,
        lte=2.0,
    )
    absent = build(MetadataFilterInput, {"path": "a"}, CONTEXT)
    assert absent.equals is ABSENT
    assert absent.not_equals is ABSENT


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
