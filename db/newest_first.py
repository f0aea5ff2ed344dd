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
   needle would walk to the end (db/generic_plans.py). Any other page reads the older
   partitions a few at a time, newest first, until it is full (db/partition_walk.py).

A metadata `equals` with no time bound at all first reads every partition at once, its
matches capped (_capped_page): a request id's handful is then the whole page in one statement.

The answer is the one the statement built per request gives; it is only planned differently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection, bindparam, func, select

from db import logs as log_sql
from db import partition_walk
from db.generic_plans import generic_rows
from db.metadata import Operator
from db.models import as_utc
from db.partition_layout import LOWEST

TRIGRAM = 3  # the shortest text a trigram index finds
# Matches of a containment needle read from every partition at once before the page is read
# in two parts (_capped_page).
CAPPED = 200
TICK = timedelta(microseconds=1)
if TYPE_CHECKING:  # db.logs imports this module
    # Reads up to so many matches of the criteria, newest first, planned as usual.
    Page = Callable[[log_sql.LogCriteria, int], list[log_sql.LogRecord]]


def applies(connection: Connection, criteria: log_sql.LogCriteria) -> bool:
    """Whether the criteria leave the partitions unpruned below, on PostgreSQL."""
    return connection.dialect.name == "postgresql" and criteria.start_time is None


def is_needle(criteria: log_sql.LogCriteria) -> bool:
    """Whether an index finds the criteria's matches in each partition."""
    words = criteria.message_contains is not None and len(criteria.message_contains) >= TRIGRAM
    return words or _contains_value(criteria)


def _contains_value(criteria: log_sql.LogCriteria) -> bool:
    """Whether a metadata containment test (an `equals`) narrows the criteria: a condition the
    planner expects few matches of, whatever else is ANDed to it."""
    return any(
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
    if criteria.end_time is None and below is None and _contains_value(criteria):
        everywhere = _capped_page(connection, criteria, limit=limit)
        if everywhere is not None:
            return everywhere
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
    return log_sql.in_any_partition(connection, statement)


def _capped_page(
    connection: Connection, criteria: log_sql.LogCriteria, *, limit: int
) -> list[log_sql.LogRecord] | None:
    """The page from every partition at once, when the needle has fewer than CAPPED matches
    in all (a request id: a handful); None when it has more (the two parts then read it).

    Run first, it spares a rare value the newest day's statement, planned and compiled on its
    own (bench/HISTORY.md); a common value pays this probe of every partition, stopped at
    CAPPED matches. Only for a containment test: with LIMIT inside, a condition the planner
    expected many matches of (a trigram search's) could make it scan partitions instead."""
    hits = log_sql.filtered(select(*log_sql.LOG_COLUMNS), criteria)
    capped = hits.limit(bindparam("capped", CAPPED)).cte("hits").prefix_with("MATERIALIZED")
    total = select(func.count()).select_from(capped).scalar_subquery()
    statement = (
        select(capped, total.label("total"))
        .order_by(capped.c.timestamp.desc(), capped.c.id.desc())
        .limit(bindparam("limit", limit))
    )
    rows = generic_rows(connection, statement)
    if rows and rows[0][-1] >= CAPPED:
        return None
    return [log_sql.log_record((*row[:1], as_utc(row[1]), *row[2:-1])) for row in rows]
