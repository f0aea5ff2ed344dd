"""Statements over every partition of `logs`, prepared once per connection with a generic plan.

Some reads cannot name a time range, so PostgreSQL cannot prune `logs` to a few partitions
at planning: a needle (a metadata value, a rare word) or a log's id may be in any of them.
Planning such a statement over a year of day partitions costs far more than running it
(bench/HISTORY.md). A generic plan is made once, for no value in particular, and reused for
every value: each execution then only opens each partition and probes its index.

Each connection keeps at most MAX_PREPARED of them (each holds its plan, megabytes of it over
a year of day partitions), the least recently used deallocated first. The first one prepared
sets the session's plan_cache_mode, which only prepared statements and PL/pgSQL functions
read: lograph prepares nothing else, and its functions either run statements without
parameters (the same plan either way) or set their own mode (the rollups' fold, migration
0012).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import count
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.expression import ClauseElement

MAX_PREPARED = 8
_NAMES = count(1)  # unique in the process, so on each of its connections
PREPARED = "lograph.generic_statements"  # the pooled connection's info: SQL text -> name
_PARAMETER = re.compile(r"%\((\w+)\)s|%%")


def generic_rows(connection: Connection, statement: ClauseElement) -> Sequence[Sequence[Any]]:
    """The statement's rows, run through the plan the connection prepared for its SQL text
    (PostgreSQL; instants come back as the driver gives them)."""
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    values = compiled.params
    names: list[str] = []
    sql = _PARAMETER.sub(lambda found: _numbered(found, names), compiled.string)
    name = _prepared(connection, sql)
    placeholders = ", ".join(["%s"] * len(names))
    parameters = tuple(values[parameter] for parameter in names)
    # Without JIT: planned for no value, over every partition, the plan's cost passes JIT's
    # threshold, and the compiling (done again at every execution) cost far more than the run.
    # SET LOCAL: one query string is one transaction on an autocommit connection, so the
    # setting ends with the statement (in an open transaction, with it); nothing to undo after
    # an error, which therefore reaches the caller as it was (a statement timeout's, say).
    execute = f"SET LOCAL jit = off; EXECUTE {name}({placeholders})"
    return connection.exec_driver_sql(execute, parameters).all()


def _numbered(found: re.Match[str], names: list[str]) -> str:
    """psycopg2's `%(name)s` as PREPARE's `$n` (a name used twice keeps its number)."""
    name = found[1]
    if name is None:
        return "%"
    if name not in names:
        names.append(name)
    return f"${names.index(name) + 1}"


def _prepared(connection: Connection, sql: str) -> str:
    """The name this connection prepared `sql` under, preparing it the first time."""
    info = connection.connection.info
    known: dict[str, str] | None = info.get(PREPARED)
    if known is None:
        connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        known = info[PREPARED] = {}
    name = known.pop(sql, None)
    if name is None:
        if len(known) >= MAX_PREPARED:
            oldest = next(iter(known))
            connection.exec_driver_sql(f"DEALLOCATE {known.pop(oldest)}")
        name = f"lograph_generic_{next(_NAMES)}"
        connection.exec_driver_sql(f"PREPARE {name} AS {sql}".replace("%", "%%"))
    known[sql] = name  # now the most recently used
    return name
