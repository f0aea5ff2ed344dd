"""Whether one log meets criteria, decided in Python with exactly the SQL's meaning.

Alerts use it to pick the rules a new log may trip, and SQLite runs `metadata_holds` as a SQL
function, so the two backends and the in-memory check cannot drift apart.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

import orjson

from db.logs import LogCriteria
from db.metadata import NUMERIC, MetadataTest, Operator
from db.text import compiled_pattern

_MISSING = object()
# PostgreSQL's `#>` reads a path element as an array index the way strtol would.
_ARRAY_INDEX = re.compile(r"[ \t\n\r\f\v]*[+-]?[0-9]+")


class Matchable(Protocol):
    """What matching reads of a log: a graph Log, a database row, a new log."""

    @property
    def timestamp(self) -> datetime: ...
    @property
    def level(self) -> str: ...
    @property
    def service(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def metadata(self) -> Any: ...


def matches(criteria: LogCriteria, log: Matchable) -> bool:
    """The in-memory twin of `db.logs.filtered`, condition for condition; criteria naming
    patterns are refused before they get here (a new log has no pattern yet)."""
    if criteria.patterns is not None:
        raise ValueError("a log's pattern is not known in memory")
    return (
        (criteria.levels is None or log.level in criteria.levels)
        and (criteria.services is None or log.service in criteria.services)
        and (criteria.start_time is None or log.timestamp >= criteria.start_time)
        and (criteria.end_time is None or log.timestamp <= criteria.end_time)
        and _text_holds(criteria, log.message)
        and all(metadata_holds(test, log.metadata) for test in criteria.metadata)
        and (criteria.any_of is None or any(matches(one, log) for one in criteria.any_of))
        and (criteria.negated is None or not matches(criteria.negated, log))
    )


def _text_holds(criteria: LogCriteria, message: str) -> bool:
    needle = criteria.message_contains
    if needle and needle.lower() not in message.lower():
        return False
    pattern = criteria.message_matches
    return pattern is None or compiled_pattern(pattern).search(message) is not None


def metadata_holds(test: MetadataTest, metadata: Any) -> bool:
    """One metadata test; a value of another type than the operator wants simply fails it."""
    value = value_at(metadata, test.path)
    operator, operand = test.operator, test.operand
    if operator is Operator.EXISTS:
        return (value is not _MISSING) is operand
    if operator is Operator.NOT_EQUALS:
        return value is _MISSING or not json_equal(value, operand)
    if value is _MISSING:
        return False
    if operator is Operator.EQUALS:
        return json_equal(value, operand)
    if operator is Operator.IN:
        return any(json_equal(value, item) for item in operand)
    if operator is Operator.CONTAINS:
        return isinstance(value, str) and operand.lower() in value.lower()
    return _is_number(value) and bool(NUMERIC[operator](value, operand))


def value_at(metadata: Any, path: tuple[str, ...]) -> Any:
    """The value at the path, or `_MISSING`; digits index arrays, as in PostgreSQL."""
    node = metadata
    for key in path:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and is_array_index(key):
            index = int(key)
            if not -len(node) <= index < len(node):
                return _MISSING
            node = node[index]
        else:
            return _MISSING
    return node


def is_array_index(segment: str) -> bool:
    """Whether PostgreSQL would read this path segment as an index into an array."""
    return _ARRAY_INDEX.fullmatch(segment) is not None


def json_equal(left: Any, right: Any) -> bool:
    """JSON equality: types must agree (`"42"` is not `42`, `true` is not `1`), 1 equals 1.0."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(json_equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    return type(left) is type(right) and bool(left == right)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def sqlite_metadata_function(metadata: str | None, operator: str, path: str, operand: str) -> int:
    """`lograph_metadata(metadata, operator, path, operand)` on SQLite: 1 when the test holds."""
    document = None if metadata is None else orjson.loads(metadata)
    return int(metadata_holds(_test(operator, path, operand), document))


@lru_cache(maxsize=256)
def _test(operator: str, path: str, operand: str) -> MetadataTest:
    return MetadataTest(tuple(orjson.loads(path)), Operator(operator), orjson.loads(operand))


def sqlite_metadata_value(metadata: str | None, path: str) -> str | None:
    """`lograph_metadata_value(metadata, path)` on SQLite: the JSON at the path, as
    PostgreSQL's `jsonb_extract_path` finds it; NULL where absent or JSON null."""
    document = None if metadata is None else orjson.loads(metadata)
    value = value_at(document, tuple(orjson.loads(path)))
    return None if value is _MISSING or value is None else orjson.dumps(value).decode()
