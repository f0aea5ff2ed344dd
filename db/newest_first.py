"""Newest-first pages with no lower time bound on PostgreSQL's partitioned `logs`.

Such a page may need any partition: a year makes hundreds, and planning a query over all of
them costs far more than running it (bench/HISTORY.md). So the page is read in two parts:

1. The newest day the page can reach (today and later, or the day of its end time), planned
   as usual: pruned to the few partitions there at planning. When these hold a whole page,
   nothing older can be in it, and the page is done: most pages (every log, a level, a common
   word) end here.
2. Everything older. A search for a needle, a value an index finds in each partition (a
   metadata `equals`: its containment test uses the GIN index; `messageContains` of at least
   three characters: trigrams), runs as a statement prepared on the connection with a generic
   plan, planned once: the matches are collected first (MATERIALIZED: each partition probes
   its index, whatever the value) and only then bounded in time and ordered. Planned for no
   value in particular, it must not be an ordered scan that filters as it goes, which a rare
   needle would walk to the end. Any other page is planned as usual, over the older
   partitions.

The answer is the one the statement built per request gives; it is only planned differently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import TYPE_CHECKING

from sqlalchemy import Connection, bindparam, select

from db import logs as log_sql
from db import partition_walk
from db.metadata import Operator
from db.models import as_utc
from db.partition_layout import LOWEST

TRIGRAM = 3  # the shortest text a trigram index finds
# Statements kept per connection, the least recently used deallocated first: each holds its
# generic plan, megabytes of it over a year of day partitions (bench/HISTORY.md).
MAX_PREPARED = 8
_NAMES = count(1)  # unique in the process, so on each of its connections
PREPARED = "lograph.generic_statements"  # the pooled connection's info: SQL text -> name
_PARAMETER = re.compile(r"%\((\w+)\)s|%%")
TICK = timedelta(microseconds=1)
TIMESTAMP = 1  # the column of LOG_COLUMNS holding the instant
if TYPE_CHECKING:  # db.logs imports this module
    # Reads up to so many matches of the criteria, newest first, planned as usual.
    Page = Callable[[log_sql.LogCriteria, int], list[log_sql.LogRecord]]


def applies(connection: Connection, criteria: log_sql.LogCriteria) -> bool:
    """Whether the criteria leave the partitions unpruned below, on PostgreSQL."""
    return connection.dialect.name == "postgresql" and criteria.start_time is None


def is_needle(criteria: log_sql.LogCriteria) -> bool:
    """Whether an index finds the criteria's matches in each partition."""
    words = criteria.message_contains is not None and len(criteria.message_contains) >= TRIGRAM
    return words or any(
        test.operator is Operator.EQUALS and not any(key.isdigit() for key in test.path)
        for test in criteria.metadata
    )


def newest_matches(
    connection: Connection,
    criteria: log_sql.LogCriteria,
    *,
    limit: int,
    page: Page,
    below: datetime | None = None,
) -> list[log_sql.LogRecord]:
    """The first `limit` matches, newest first (timestamp, then id). `page` reads a part
    planned as usual (the caller's statement, with its cursor if any); `below` is an instant no
    match is after (a cursor's)."""
    tops = [as_utc(top) for top in (criteria.end_time, below) if top is not None]
    top = min(tops) if tops else datetime.now(UTC)
    day = top.replace(hour=0, minute=0, second=0, microsecond=0)
    found = page(replace(criteria, start_time=day), limit)
    if len(found) == limit or day == LOWEST:
        return found
    rest = limit - len(found)
    if is_needle(criteria):
        return found + _generic_page(connection, criteria, before=day, limit=rest)
    older = replace(criteria, end_time=day - TICK)
    return found + partition_walk.walk(connection, older, descending=True, limit=rest, page=page)


def _generic_page(
    connection: Connection, criteria: log_sql.LogCriteria, *, before: datetime, limit: int
) -> list[log_sql.LogRecord]:
    """The needle's matches before `before` (the criteria's own time bounds aside: they only
    apply to what the first part read). The bound is applied after the matches are collected:
    inside, the planner would also scan each partition's time index for it."""
    whole = replace(criteria, end_time=None)
    hits = log_sql.filtered(select(*log_sql.LOG_COLUMNS), whole).cte("hits")
    hits = hits.prefix_with("MATERIALIZED")
    statement = (
        select(hits)
        .where(hits.c.timestamp < bindparam("before", as_utc(before)))
        .order_by(hits.c.timestamp.desc(), hits.c.id.desc())
        .limit(bindparam("limit", limit))
    )
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
    sql = f"SET LOCAL jit = off; EXECUTE {name}({placeholders})"
    rows = connection.exec_driver_sql(sql, parameters).all()
    return [
        log_sql.log_record((*row[:TIMESTAMP], as_utc(row[TIMESTAMP]), *row[TIMESTAMP + 1 :]))
        for row in rows
    ]


def _numbered(found: re.Match[str], names: list[str]) -> str:
    """psycopg2's `%(name)s` as PREPARE's `$n` (a name used twice keeps its number)."""
    name = found[1]
    if name is None:
        return "%"
    if name not in names:
        names.append(name)
    return f"${names.index(name) + 1}"


def _prepared(connection: Connection, sql: str) -> str:
    """The name this connection prepared `sql` under, preparing it the first time.

    The first one also sets the session's plan_cache_mode, which only prepared statements and
    PL/pgSQL functions read: lograph prepares nothing else, and its functions either run
    statements without parameters (the same plan either way) or set their own mode (the
    rollups' fold, migration 0012)."""
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
