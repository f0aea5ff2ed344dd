"""Input types of the GraphQL schema, and their conversion to what the resolvers take.

The conversion is derived from the Strawberry definitions, field by field, once: a field added to
an input is converted like the others (or fails loudly when its target lacks it), never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.arguments import InputContext
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.utils.str_converters import to_camel_case

from core import filters
from graph.types import LogLevel


@strawberry.input(
    name="LogFilter",
    description="Every given condition must hold; time bounds are inclusive.",
)
class LogFilterInput:
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


# The argument type of every field that takes a filter: the resolvers receive core's LogFilter.
FilterArgument = strawberry.argument(graphql_type=LogFilterInput | None)

Convert = Callable[[Any, InputContext, str], Any]


def _converter(field_type: Any) -> Convert:
    """How one field's coerced GraphQL value becomes its Python value."""
    if isinstance(field_type, StrawberryOptional):
        inner = _converter(field_type.of_type)
        return lambda value, context, key: None if value is None else inner(value, context, key)
    if isinstance(field_type, StrawberryList):
        item = _converter(field_type.of_type)
        return lambda value, context, key: [item(v, context, key) for v in value]
    if isinstance(field_type, StrawberryEnumDefinition) or has_enum_definition(field_type):
        enum: StrawberryEnumDefinition = (
            field_type
            if isinstance(field_type, StrawberryEnumDefinition)
            else field_type.__strawberry_definition__
        )
        # graphql-core hands enum values over by name; a dict beats calling the Enum.
        members: list[Any] = list(enum.wrapped_cls)
        by_name = {member.name: member for member in members}
        return lambda value, _context, _key: by_name[value]
    if has_object_definition(field_type):
        return lambda value, context, key: context.convert(value, field_type, key)
    return lambda value, _context, _key: value  # scalars arrive parsed already


def derive_from_input(source: type, target: Callable[..., Any]) -> None:
    """Build `target(**fields)` from `source`'s GraphQL value in one step, for every field.

    Strawberry's generic conversion re-resolves each field's type for every value; bulkCreate
    brings thousands of inputs at once, and every filtered query converts its filter.
    """
    definition = source.__strawberry_definition__  # type: ignore[attr-defined]
    plan: list[tuple[str, str, Convert]] = []

    def from_input(_cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
        if not plan:  # types resolve lazily (inputs may nest themselves): plan on first use
            plan.extend(
                (f.python_name, f.graphql_name or to_camel_case(f.python_name), _converter(f.type))
                for f in definition.fields
            )
        return target(
            **{
                name: convert(value[key], context, key)
                for name, key, convert in plan
                if key in value
            }
        )

    definition.from_input = from_input


derive_from_input(LogFilterInput, filters.LogFilter)
derive_from_input(LogInput, LogInput)
