"""Pages of logs filtered by pattern, read through the assignments' (pattern, timestamp, log)
index.

A pattern's logs are scattered among all the others. Read from `logs` in time order, a page
of a rare pattern walks past every other log until it has its page; read from the
assignments by pattern, every log of the pattern in range must be found and probed before the
first can be known, thousands for a common one. The assignments keep each log's timestamp
(migration 0024), so the pattern's logs come in the page's order from their own index: the
next keys, 64, 128, 256, ... at a time, then the logs at those keys that meet the rest of the
criteria, until the page is full or the pattern has no more logs in range.

When the rest of the criteria reject most of the pattern's logs (the page still not full after
WALKED keys), the remainder is read by one ordinary statement from where the walk got to, so
that a walk never costs more than a bounded number of probes on top of what the statement
would. The answer is the statement's either way; only the plan differs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, select

from db.keyset import Position, beyond
from db.models import log_patterns

if TYPE_CHECKING:  # db.logs imports this module
    from db.logs import LogCriteria, LogRecord

# The logs at these places (in the scan order) that meet the criteria, up to so many.
RowsAt = Callable[[list[Position], int], list["LogRecord"]]
# Up to so many matches after a place (None: from the start), read by one ordinary statement.
Rest = Callable[[Position | None, int], list["LogRecord"]]

FIRST = 64  # keys read first; each read after doubles
WALKED = 960  # keys read (64 + 128 + 256 + 512) before the rest is left to one statement


def applies(criteria: LogCriteria) -> bool:
    """Whether the criteria themselves (not only a nested part) name patterns (callers have
    answered criteria that match nothing already)."""
    return criteria.patterns is not None


def walk(
    connection: Connection,
    criteria: LogCriteria,
    *,
    descending: bool,
    after: Position | None,
    before: Position | None,
    limit: int,
    rows_at: RowsAt,
    rest: Rest,
) -> list[LogRecord]:
    """Up to `limit` matches strictly between the keys, in the scan direction."""
    found: list[LogRecord] = []
    size, walked, start = FIRST, 0, after
    while len(found) < limit:
        if walked >= WALKED:
            return found + rest(start, limit - len(found))
        keys = [
            Position(instant, log_id)
            for instant, log_id in connection.execute(
                _keys(criteria, descending=descending, after=start, before=before, limit=size)
            )
        ]
        if keys:
            found += rows_at(keys, limit - len(found))
        if len(keys) < size:
            break
        walked, start, size = walked + size, keys[-1], size * 2
    return found


def _keys(
    criteria: LogCriteria,
    *,
    descending: bool,
    after: Position | None,
    before: Position | None,
    limit: int,
) -> Select[Any]:
    """The next keys of the criteria's patterns within their time range, in the scan order."""
    assert criteria.patterns is not None
    order = (log_patterns.c.timestamp, log_patterns.c.log_id)
    statement = select(*order).where(log_patterns.c.pattern_id.in_(sorted(criteria.patterns)))
    if criteria.start_time is not None:
        statement = statement.where(log_patterns.c.timestamp >= criteria.start_time)
    if criteria.end_time is not None:
        statement = statement.where(log_patterns.c.timestamp <= criteria.end_time)
    if after is not None:
        statement = statement.where(beyond(*order, after, descending=descending))
    if before is not None:
        statement = statement.where(beyond(*order, before, descending=not descending))
    return statement.order_by(*(key.desc() if descending else key for key in order)).limit(limit)
