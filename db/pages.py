"""First pages of logs filtered by level, service and time alone, from statements built once.

Building the SELECT and its cache key for every request was a visible share of a GraphQL
page's CPU (bench/HISTORY.md). These filters (the common ones) come in few shapes: one
statement per shape, with bound parameters, goes straight to SQLAlchemy's compiled cache. It is
the statement `db.logs` builds for the same criteria, with the values bound instead of inlined.

On PostgreSQL, a shape without IN lists compiles to one fixed SQL text, and `page_rows` runs
that text with `exec_driver_sql`, which skips compiling; its two conversions are done here
(instants in UTC, in and out).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, bindparam, select

from db import logs as log_sql
from db.models import as_utc, logs

# (levels, services): 0 no condition, 1 one value (=), 2 several (IN); then start, end, order.
Shape = tuple[int, int, bool, bool, bool, bool]
_statements: dict[Shape, Select[Any]] = {}
# By dialect and id() of a statement in _statements (kept alive there).
_driver_sql: dict[tuple[str, int], str | None] = {}
TIMESTAMP = 1  # the column of LOG_COLUMNS holding the instant


def prepared_page(
    criteria: log_sql.LogCriteria, *, limit: int, descending: bool, by_id: bool
) -> tuple[Select[Any], dict[str, Any]] | None:
    """The statement and parameters for the first page; None for criteria of another kind."""
    if not criteria.counted_by_rollups or criteria.matches_nothing:
        return None
    levels = None if criteria.levels is None else sorted(criteria.levels)
    services = None if criteria.services is None else sorted(criteria.services)
    shape = (
        _kind(levels),
        _kind(services),
        criteria.start_time is not None,
        criteria.end_time is not None,
        descending,
        by_id,
    )
    statement = _statements.get(shape)
    if statement is None:
        statement = _statements.setdefault(shape, _build(shape))
    values = {
        "level": _value(levels),
        "service": _value(services),
        "start": criteria.start_time,
        "end": criteria.end_time,
    }
    return statement, {"limit": limit} | {k: v for k, v in values.items() if v is not None}


def _kind(values: list[Any] | None) -> int:
    return 0 if values is None else min(len(values), 2)


def _value(values: list[Any] | None) -> Any:
    return values[0] if values is not None and len(values) == 1 else values


def _build(shape: Shape) -> Select[Any]:
    level_kind, service_kind, start, end, descending, by_id = shape
    conditions: list[ColumnElement[bool]] = []
    for column, kind in ((logs.c.level, level_kind), (logs.c.service, service_kind)):
        if kind == 1:
            conditions.append(column == bindparam(column.name))
        elif kind == 2:
            conditions.append(column.in_(bindparam(column.name, expanding=True)))
    if start:
        conditions.append(logs.c.timestamp >= bindparam("start"))
    if end:
        conditions.append(logs.c.timestamp <= bindparam("end"))
    keys = [logs.c.id] if by_id else [logs.c.timestamp, logs.c.id]
    order = [key.desc() if descending else key.asc() for key in keys]
    statement = select(*log_sql.LOG_COLUMNS)
    if conditions:
        statement = statement.where(and_(*conditions))
    return statement.order_by(*order).limit(bindparam("limit"))


def page_rows(
    connection: Connection, statement: Select[Any], params: dict[str, Any]
) -> Sequence[Sequence[Any]]:
    """The rows of a prepared page, through the driver's cursor where the SQL text is fixed."""
    key = (connection.dialect.name, id(statement))
    sql = _driver_sql.get(key, "")
    if sql == "":
        sql = _driver_sql.setdefault(key, _fixed_sql(statement, connection))
    if sql is None:
        return connection.execute(statement, params).all()
    for name in ("start", "end"):
        if name in params:
            params[name] = as_utc(params[name])
    rows = connection.exec_driver_sql(sql, params).all()
    return [(*row[:TIMESTAMP], as_utc(row[TIMESTAMP]), *row[TIMESTAMP + 1 :]) for row in rows]


def _fixed_sql(statement: Select[Any], connection: Connection) -> str | None:
    """The statement's SQL text on PostgreSQL when it has no IN list; None otherwise."""
    if connection.dialect.name != "postgresql":
        return None
    compiled = statement.compile(dialect=connection.dialect)
    if any(param.expanding for param in compiled.binds.values()):
        return None
    return compiled.string
