"""Pages over a time range of PostgreSQL's partitioned `logs` that may span hundreds of
partitions, read a few partitions at a time.

Planning a statement costs about as much per partition it may touch as running it costs per
partition it reads, and over a year of day partitions the planning of one statement over all
of them costs far more than the few index probes a page needs (bench/HISTORY.md). So a page
in time order with no bound on the side it walks towards is read in slices of the range: the
partitions this process knows, 1, 2, 4, ... at a time from the side the page starts, each
slice's statement pruned to its partitions at planning, until the page is full. The slices'
ranges follow one another and cover the whole range whatever the bounds known (a partition
made since falls in the slice whose range holds it), so the answer is the one statement's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from db.models import as_utc
from db.partition_layout import HIGHEST, LOWEST, Bounds
from db.partitions import KNOWN, database_key

if TYPE_CHECKING:  # db.logs imports this module
    from db.logs import LogCriteria, LogRecord

    # Reads up to so many matches of the criteria in the page's order, planned as usual.
    Page = Callable[[LogCriteria, int], list[LogRecord]]
    # Reads up to so many matches after skipping so many (criteria, skip, limit).
    OffsetPage = Callable[[LogCriteria, int, int], list[LogRecord]]
    # Counts the matches up to a bound.
    Count = Callable[[LogCriteria, int], int]

TICK = timedelta(microseconds=1)  # end times are inclusive; PostgreSQL keeps microseconds
LARGEST = 2**63 - 1  # LIMIT's bound: a bigint (an offset may be this large)


def applies(connection: Connection, criteria: LogCriteria, *, descending: bool) -> bool:
    """Whether the page's walk is unbounded on PostgreSQL: no end time oldest first, no start
    time newest first."""
    open_end = criteria.start_time if descending else criteria.end_time
    return connection.dialect.name == "postgresql" and open_end is None


def walk(
    connection: Connection,
    criteria: LogCriteria,
    *,
    descending: bool,
    limit: int,
    page: Page,
) -> list[LogRecord]:
    """The first `limit` matches in the page's order, read slice by slice."""
    low, high = _range(criteria)
    known = KNOWN.bounds(database_key(connection))
    found: list[LogRecord] = []
    for start, end in slices(known, low=low, high=high, descending=descending):
        found += page(within(criteria, start, end), limit - len(found))
        if len(found) == limit:
            break
    return found


def walk_past(
    connection: Connection,
    criteria: LogCriteria,
    *,
    descending: bool,
    skip: int,
    limit: int,
    count: Count,
    offset_page: OffsetPage,
    page: Page,
) -> list[LogRecord]:
    """The `limit` matches after the first `skip` in the page's order: the slices before the
    one the page begins in are only counted (`count`, up to a bound)."""
    low, high = _range(criteria)
    known = KNOWN.bounds(database_key(connection))
    for start, end in slices(known, low=low, high=high, descending=descending):
        here = count(within(criteria, start, end), min(skip + 1, LARGEST))
        if here <= skip:
            skip -= here
            continue
        found = offset_page(within(criteria, start, end), skip, limit)
        if len(found) == limit or (start if descending else end) == (low if descending else high):
            return found
        rest = within(criteria, low, start) if descending else within(criteria, end, high)
        return found + walk(
            connection, rest, descending=descending, limit=limit - len(found), page=page
        )
    return []


def _range(criteria: LogCriteria) -> tuple[datetime, datetime]:
    """The criteria's time range as [low, high)."""
    low = LOWEST if criteria.start_time is None else as_utc(criteria.start_time)
    high = HIGHEST if criteria.end_time is None else as_utc(criteria.end_time) + TICK
    return low, high


def slices(
    known: Sequence[Bounds], *, low: datetime, high: datetime, descending: bool
) -> Iterator[tuple[datetime, datetime]]:
    """[low, high) cut at the known partitions' bounds into ranges of 1, 2, 4, ... of them,
    from the end the page starts at."""
    edges = [low, *sorted({b.low for b in known if low < b.low < high}), high]
    last = len(edges) - 1
    size, at = 1, last if descending else 0
    while at > 0 if descending else at < last:
        nearer = max(at - size, 0) if descending else min(at + size, last)
        yield (edges[nearer], edges[at]) if descending else (edges[at], edges[nearer])
        at, size = nearer, size * 2


def within(criteria: LogCriteria, start: datetime, end: datetime) -> LogCriteria:
    """The criteria over [start, end) alone (a range inside theirs)."""
    return replace(
        criteria,
        start_time=None if start == LOWEST else start,
        end_time=None if end == HIGHEST else end - TICK,
    )
