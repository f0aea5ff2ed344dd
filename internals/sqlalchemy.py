"""SQLAlchemy's internal names: how its execution handles a driver error, for the statements
db/driver.py runs on the driver's own cursor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from internals import Shape

__all__ = ["raise_as_sqlalchemy"]


def raise_as_sqlalchemy(
    connection: Connection,
    error: BaseException,
    *,
    sql: str,
    params: Mapping[str, Any] | Sequence[Any],
    cursor: Any,
) -> NoReturn:
    """What SQLAlchemy's own execution does with a driver error: wrap it, and on a disconnect
    invalidate this connection and every one pooled beside it, as they all died with the
    server."""
    connection._handle_dbapi_exception(error, sql, params, cursor, None)


SHAPES = [
    Shape(
        Connection,
        "_handle_dbapi_exception",
        parameters=("e", "statement", "parameters", "cursor", "context", "is_sub_exec"),
    ),
    Shape(
        DBAPIError,
        "instance",
        parameters=(
            "statement",
            "params",
            "orig",
            "dbapi_base_err",
            "hide_parameters",
            "connection_invalidated",
            "dialect",
            "ismulti",
        ),
    ),
]
