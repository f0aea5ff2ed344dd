"""Checking the conditions a filter adds beyond level, service and time, under fixed caps.

Caps (beyond them BAD_USER_INPUT): `anyOf`/`not` nest at most MAX_FILTER_DEPTH filters deep;
one filter holds at most MAX_FILTER_CONDITIONS conditions, where every filter (nested ones
included) and every metadata operator counts one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from core.errors import UserInputError
from core.validation import to_utc
from db.metadata import MetadataTest, Operator
from db.text import pattern_problem

if TYPE_CHECKING:
    from core.filters import MetadataFilter

MAX_FILTER_DEPTH = 5
MAX_FILTER_CONDITIONS = 50
MAX_PATH_LENGTH = 256
MAX_PATH_SEGMENTS = 16
MAX_IN_VALUES = 100
MAX_OPERAND_BYTES = 4096
MAX_TEXT_LENGTH = 1000
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


class _Absent:
    """Marks `equals`/`notEquals` left out, so an explicit null can mean JSON null."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


def check_filter_size(*, depth: int, width: int) -> None:
    """Refuse deep nesting and long lists before reading them, so no input makes work grow."""
    if depth > MAX_FILTER_DEPTH:
        raise UserInputError("filter", f"anyOf/not nest at most {MAX_FILTER_DEPTH} filters deep")
    if width > MAX_FILTER_CONDITIONS:
        reason = f"one filter holds at most {MAX_FILTER_CONDITIONS} conditions"
        raise UserInputError("filter", reason)


@dataclass
class Budget:
    """Conditions still allowed in this filter."""

    left: int = MAX_FILTER_CONDITIONS

    def spend(self, count: int, field: str) -> None:
        """Take `count` conditions, refusing the filter when too few are left."""
        self.left -= count
        if self.left < 0:
            reason = f"one filter holds at most {MAX_FILTER_CONDITIONS} conditions"
            raise UserInputError(field, reason)


def instant(value: datetime | None, field: str) -> datetime | None:
    """In UTC, a day clear of the calendar's ends, so bucket and rollup arithmetic never
    overflows."""
    moment = to_utc(field, value)
    if moment is not None and not EARLIEST <= moment <= LATEST:
        raise UserInputError(field, f"must be between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return moment


def text(value: str | None, field: str) -> str | None:
    """Text that reaches SQL as a parameter: bounded, no NUL, valid Unicode."""
    if value is None:
        return None
    if len(value) > MAX_TEXT_LENGTH:
        raise UserInputError(field, f"must be at most {MAX_TEXT_LENGTH} characters")
    if "\x00" in value:
        raise UserInputError(field, "must not contain NUL characters")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise UserInputError(field, "must be valid Unicode text") from None
    return value


def pattern(value: str | None, field: str) -> str | None:
    """A `messageMatches` pattern both backends run alike (see db.text)."""
    if text(value, field) is None:
        return None
    problem = pattern_problem(value or "")
    if problem is not None:
        raise UserInputError(field, problem)
    return value


def metadata_tests(
    filters: Sequence[MetadataFilter], *, where: str, budget: Budget
) -> tuple[MetadataTest, ...]:
    """Each entry's operators as tests at its path; every operator spends one condition."""
    tests: list[MetadataTest] = []
    for index, item in enumerate(filters):
        field = f"{where}metadata[{index}]"
        path = metadata_path(item.path, f"{field}.path")
        operators = _operators(item, field)
        if not operators:
            raise UserInputError(field, "needs at least one operator besides path")
        budget.spend(len(operators), field)
        tests.extend(MetadataTest(path, operator, operand) for operator, operand in operators)
    return tuple(tests)


def metadata_path(path: str, field: str) -> tuple[str, ...]:
    """A dot-separated path into metadata as its keys, within the caps."""
    if len(path) > MAX_PATH_LENGTH:
        raise UserInputError(field, f"must be at most {MAX_PATH_LENGTH} characters")
    segments = tuple((text(path, field) or "").split("."))
    if not path or "" in segments:
        raise UserInputError(field, "must be dot-separated keys, none of them empty")
    if len(segments) > MAX_PATH_SEGMENTS:
        raise UserInputError(field, f"must have at most {MAX_PATH_SEGMENTS} keys")
    return segments


def _operators(item: MetadataFilter, field: str) -> list[tuple[Operator, Any]]:
    """The operators given, each with its operand checked."""
    given: list[tuple[Operator, Any]] = []
    for operator, operand in (
        (Operator.EQUALS, item.equals),
        (Operator.NOT_EQUALS, item.not_equals),
    ):
        if operand is not ABSENT:
            given.append((operator, _json(operand, f"{field}.{operator.value}")))
    if item.in_ is not None:
        if len(item.in_) > MAX_IN_VALUES:
            raise UserInputError(f"{field}.in", f"must list at most {MAX_IN_VALUES} values")
        given.append((Operator.IN, tuple(_json(one, f"{field}.in") for one in item.in_)))
    if item.exists is not None:
        given.append((Operator.EXISTS, item.exists))
    if item.contains is not None:
        given.append((Operator.CONTAINS, text(item.contains, f"{field}.contains")))
    bounds = {
        Operator.GT: item.gt,
        Operator.GTE: item.gte,
        Operator.LT: item.lt,
        Operator.LTE: item.lte,
    }
    given.extend((operator, bound) for operator, bound in bounds.items() if bound is not None)
    return given


def _json(value: Any, field: str) -> Any:
    """A JSON operand PostgreSQL can hold, of bounded size."""
    try:
        encoded = orjson.dumps(value)
    except orjson.JSONEncodeError:
        reason = "must be JSON (valid Unicode, integers within 64 bits)"
        raise UserInputError(field, reason) from None
    if len(encoded) > MAX_OPERAND_BYTES:
        raise UserInputError(field, f"must be at most {MAX_OPERAND_BYTES} bytes as JSON")
    if b"\\u0000" in encoded:
        raise UserInputError(field, "must not contain NUL characters")
    return value
