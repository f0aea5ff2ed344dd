"""Input types of the GraphQL schema, and their conversion to what the resolvers take.

The conversion is derived from the Strawberry definitions, field by field, once: a field added to
an input is converted like the others (or fails loudly when its target lacks it), never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from core import filters
from core.conditions import MAX_FILTER_CONDITIONS, check_filter_size
from graph.types import LogLevel
from internals.strawberry import (
    InputContext,
    StrawberryEnumDefinition,
    StrawberryList,
    StrawberryOptional,
    has_enum_definition,
    has_object_definition,
    to_camel_case,
)


@strawberry.input(
    name="MetadataFilter",
    description="One or more operators at one path into metadata; all of them must hold.",
)
class MetadataFilterInput:
    path: str = strawberry.field(
        description='Dot-separated keys: "user.id"; a number also indexes an array: "items.0.sku".'
    )
    equals: JSON | None = strawberry.field(
        default=UNSET, description='JSON equality, type-aware: "42" does not equal 42.'
    )
    not_equals: JSON | None = strawberry.field(
        default=UNSET, description="True also where the path is absent."
    )
    in_: list[JSON] | None = strawberry.field(name="in", default=None)
    exists: bool | None = None
    contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of a string value."
    )
    gt: float | None = strawberry.field(default=None, description="Numeric values only.")
    gte: float | None = strawberry.field(default=None, description="Numeric values only.")
    lt: float | None = strawberry.field(default=None, description="Numeric values only.")
    lte: float | None = strawberry.field(default=None, description="Numeric values only.")


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
    metadata: list[MetadataFilterInput] | None = strawberry.field(
        default=None, description="Every entry holds."
    )
    message_matches: str | None = strawberry.field(
        default=None, description="Case-insensitive regular expression on the message."
    )
    any_of: list[LogFilterInput] | None = strawberry.field(
        default=None, description="At least one of these holds."
    )
    not_: LogFilterInput | None = strawberry.field(
        name="not", default=None, description="This does not hold."
    )
    patterns: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="The log has one of these patterns (a log has none until mined); "
        "not in the live tail.",
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


def derive_from_input(
    source: type,
    target: Callable[..., Any],
    *,
    check: Callable[[Mapping[str, Any]], None] | None = None,
) -> None:
    """Build `target(**fields)` from `source`'s GraphQL value in one step, for every field.

    Strawberry's generic conversion re-resolves each field's type for every value; bulkCreate
    brings thousands of inputs at once, and every filtered query converts its filter.
    """
    definition = source.__strawberry_definition__  # type: ignore[attr-defined]
    plan: list[tuple[str, str, Convert]] = []

    def from_input(_cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
        if check is not None:
            check(value)  # before any nested value is converted
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


def _check_filter_shape(value: Mapping[str, Any]) -> None:
    """Refuse a filter nesting too deep or holding too many conditions, walking it without
    recursion and stopping at the caps, before its nested filters are converted."""
    stack: list[tuple[Mapping[str, Any], int]] = [(value, 1)]
    seen = 0
    while stack:
        node, depth = stack.pop()
        seen += 1 + len(node.get("metadata") or ())
        check_filter_size(depth=depth, width=seen)
        children = [*(node.get("anyOf") or ())[: MAX_FILTER_CONDITIONS + 1], node.get("not")]
        stack.extend((child, depth + 1) for child in children if child is not None)


derive_from_input(LogFilterInput, filters.LogFilter, check=_check_filter_shape)
derive_from_input(MetadataFilterInput, filters.MetadataFilter)
derive_from_input(LogInput, LogInput)
