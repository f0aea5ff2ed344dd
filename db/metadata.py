"""Conditions on a log's JSON metadata: what they mean, and their SQL on each backend."""

from __future__ import annotations

import operator as ops
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Numeric,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import Text

from db.models import logs

SQLITE_FUNCTION = "lograph_metadata"  # registered on every SQLite connection by db.engine
SQLITE_VALUE_FUNCTION = "lograph_metadata_value"  # likewise: the JSON at a path (grouping)


class Operator(StrEnum):
    """MetadataFilter's operators, by the name clients write."""

    EQUALS = "equals"
    NOT_EQUALS = "notEquals"
    IN = "in"
    EXISTS = "exists"
    CONTAINS = "contains"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"


NUMERIC: dict[Operator, Callable[[Any, Any], Any]] = {
    Operator.GT: ops.gt,
    Operator.GTE: ops.ge,
    Operator.LT: ops.lt,
    Operator.LTE: ops.le,
}


@dataclass(frozen=True, slots=True)
class MetadataTest:
    """One operator applied at one path: `path` holds the keys, digits also index arrays."""

    path: tuple[str, ...]
    operator: Operator
    operand: Any  # JSON value; a tuple of them for IN; bool for EXISTS; str; float

    def as_sql(self) -> ColumnElement[bool]:
        """The test as a WHERE condition, rendered for whichever backend runs it."""
        return MetadataMatch(self)


class MetadataMatch(ColumnElement[bool]):
    """A metadata test in SQL: JSONB operators on PostgreSQL, lograph's function on SQLite.

    Each renders in parentheses: SQLAlchemy cannot see inside to group it next to IS NOT.
    """

    type = Boolean()
    inherit_cache = False

    def __init__(self, test: MetadataTest) -> None:
        self.test = test


@compiles(MetadataMatch, "sqlite")
def _sqlite(element: MetadataMatch, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite's JSON path syntax cannot address every key, so the Python definition runs."""
    test = element.test
    call = getattr(func, SQLITE_FUNCTION)(
        logs.c.metadata,
        literal(test.operator.value),
        literal(orjson.dumps(list(test.path)).decode()),
        literal(orjson.dumps(test.operand).decode()),
    )
    return f"({compiler.process(call == 1, **kw)})"


@compiles(MetadataMatch, "postgresql")
def _postgresql(element: MetadataMatch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(_jsonb_condition(element.test), **kw)})"


def _jsonb_condition(test: MetadataTest) -> ColumnElement[bool]:
    document = type_coerce(logs.c.metadata, JSONB)
    value = document.op("#>", return_type=JSONB)(bindparam(None, list(test.path), ARRAY(Text)))
    operator, operand = test.operator, test.operand
    if operator is Operator.EQUALS:
        return _equals(test, document, value)
    if operator is Operator.NOT_EQUALS:
        return value.is_distinct_from(_jsonb(operand))
    if operator is Operator.IN:
        return or_(*(value == _jsonb(item) for item in operand)) if operand else false()
    if operator is Operator.EXISTS:
        return value.is_not(None) if operand else value.is_(None)
    if operator is Operator.CONTAINS:
        text = value.op("#>>", return_type=Text)(bindparam(None, [], ARRAY(Text)))
        is_string = func.jsonb_typeof(value) == "string"
        return case((is_string, text.icontains(operand, autoescape=True)), else_=False)
    compared = NUMERIC[operator](cast(value, Numeric), operand)
    # CASE, not AND: PostgreSQL may evaluate AND's operands in any order, and casting a
    # string to numeric raises.
    return case((func.jsonb_typeof(value) == "number", compared), else_=False)


def _equals(
    test: MetadataTest, document: ColumnElement[Any], value: ColumnElement[Any]
) -> ColumnElement[bool]:
    """Exact equality; a containment test in front lets the GIN index find the candidates."""
    exact = value == _jsonb(test.operand)
    if any(segment.isdigit() for segment in test.path):
        return exact  # digits may index an array or name a key: no single containment fits
    nested: Any = test.operand
    for key in reversed(test.path):
        nested = {key: nested}
    return and_(document.op("@>", return_type=Boolean)(_jsonb(nested)), exact)


def _jsonb(value: Any) -> ColumnElement[Any]:
    return cast(literal(orjson.dumps(value).decode(), Text), JSONB)
