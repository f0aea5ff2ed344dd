"""A LogFilter as JSON in the GraphQL `LogFilter` input's shape, and back: how alert rules store
their filters and how `AlertRule.filter` shows them."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from core.conditions import ABSENT
from core.filters import LogFilter, MetadataFilter
from db.levels import Level

# Python field name -> GraphQL name, where the two differ beyond camelCase.
_RENAMED = {"not_": "not", "in_": "in"}


def filter_json(log_filter: LogFilter) -> dict[str, Any]:
    """The given conditions only, keyed as in a GraphQL `LogFilter` input."""
    data: dict[str, Any] = {}
    for field in fields(LogFilter):
        value = getattr(log_filter, field.name)
        if value is None:
            continue
        data[_graph_name(field.name)] = _json(value)
    return data


def filter_from_json(data: dict[str, Any]) -> LogFilter:
    """Read back what filter_json wrote."""
    values: dict[str, Any] = {}
    for field in fields(LogFilter):
        key = _graph_name(field.name)
        if key not in data:
            continue
        value = data[key]
        if field.name in ("level", "min_level"):
            value = Level(value)
        elif field.name == "levels":
            value = [Level(level) for level in value]
        elif field.name in ("start_time", "end_time"):
            value = datetime.fromisoformat(value)
        elif field.name == "metadata":
            value = [_metadata_from_json(item) for item in value]
        elif field.name == "any_of":
            value = [filter_from_json(item) for item in value]
        elif field.name == "not_":
            value = filter_from_json(value)
        values[field.name] = value
    return LogFilter(**values)


def _json(value: Any) -> Any:
    if isinstance(value, Level):
        return value.value
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, LogFilter):
        return filter_json(value)
    if isinstance(value, MetadataFilter):
        return _metadata_json(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _metadata_json(item: MetadataFilter) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in fields(MetadataFilter):
        value = getattr(item, field.name)
        absent = ABSENT if field.name in ("equals", "not_equals") else None
        if value is not absent:
            data[_graph_name(field.name)] = list(value) if field.name == "in_" else value
    return data


def _metadata_from_json(data: dict[str, Any]) -> MetadataFilter:
    names = {_graph_name(field.name): field.name for field in fields(MetadataFilter)}
    return MetadataFilter(**{names[key]: value for key, value in data.items() if key in names})


def _graph_name(name: str) -> str:
    if name in _RENAMED:
        return _RENAMED[name]
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)
