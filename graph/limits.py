"""Limits on an operation's text and variables, checked before anything parses or coerces them."""

from __future__ import annotations

from collections.abc import Mapping

from core.errors import TooLargeError, UserInputError
from core.validation import MAX_BULK_SIZE

# 10,000 tokens (the parser's limit) of ten characters each; comments count too.
MAX_QUERY_LENGTH = 100_000
# bulkCreate's cap: no list argument takes more.
MAX_LIST_ITEMS = MAX_BULK_SIZE
# Levels of lists and objects in one variable; log metadata alone may nest 32.
MAX_VARIABLE_DEPTH = 64
# JSON values in all variables together: 10,000 logs of up to 100 values each.
MAX_VARIABLE_VALUES = 1_000_000


def check_operation(query: str | None, variables: Mapping[str, object] | None) -> None:
    """Refuse a query text or variables that would cost more to read than any valid one."""
    if query is not None and len(query) > MAX_QUERY_LENGTH:
        raise TooLargeError("query", f"must be at most {MAX_QUERY_LENGTH} characters")
    values = 0
    for name, value in (variables or {}).items():
        values = _check_variable(name, value, counted=values)


def _check_variable(name: str, value: object, *, counted: int) -> int:
    """Walk one variable without recursion; returns the running count of values."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        counted += 1
        if counted > MAX_VARIABLE_VALUES:
            raise TooLargeError(name, f"variables may hold at most {MAX_VARIABLE_VALUES} values")
        if isinstance(item, list):
            if len(item) > MAX_LIST_ITEMS:
                raise TooLargeError(
                    name, f"a list of {len(item)} items; at most {MAX_LIST_ITEMS} are allowed"
                )
            children: list[object] = item
        elif isinstance(item, dict):
            children = list(item.values())
        else:
            continue
        if depth > MAX_VARIABLE_DEPTH:
            raise UserInputError(name, f"must be nested at most {MAX_VARIABLE_DEPTH} levels deep")
        pending.extend((child, depth + 1) for child in children)
    return counted
