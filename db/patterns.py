"""The pattern miner's statements: its place in the logs, its state, and what it assigns.

The miner reads logs in commit order through the live tail's positions (db/tail.py), a window
(since, upto] at a time, `after` marking how far into the window it got. Each batch's
assignments, patterns, miner states and new place commit in one transaction that also checks
the place it started from is still the stored one: a log is assigned exactly once even when
two processes' miners overlap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    Text,
    case,
    delete,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from db.logs import LogCriteria
from db.models import (
    UTCDateTime,
    dialect_insert,
    log_patterns,
    pattern_counts,
    pattern_counts_hourly,
    pattern_cursor,
    pattern_miners,
    patterns,
)
from db.tail import Snapshot, TailRow, head, replay

CURSOR_ID = 1
# Rows of one multi-row INSERT: an upsert given as many parameter sets would be sent one row
# per round trip; 4 parameters a row stays within SQLite's 999.
ROWS_PER_STATEMENT = 200
UPDATES_PER_STATEMENT = 50
START = Snapshot(1, 1)  # before every log


class LostCursor(Exception):
    """Another miner moved the cursor since this one read it: the batch is not stored."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where mining is: logs `upto` saw and `since` did not, after (tx, id) `after`."""

    version: int
    since: Snapshot
    upto: Snapshot
    after: tuple[int, int] | None
    owner: str
    lease_until: datetime


def read_cursor(connection: Connection) -> Cursor | None:
    """The stored place; None before the first batch was stored."""
    row = connection.execute(select(pattern_cursor)).first()
    if row is None:
        return None
    after = None if row.after_tx is None else (row.after_tx, row.after_id)
    return Cursor(
        row.version,
        Snapshot.parse(row.since),
        Snapshot.parse(row.upto),
        after,
        row.owner,
        row.lease_until,
    )


def release_lease(connection: Connection, *, owner: str, now: datetime) -> None:
    """End `owner`'s lease now, so that another process's miner takes over without waiting."""
    connection.execute(
        update(pattern_cursor).where(pattern_cursor.c.owner == owner).values(lease_until=now)
    )


def first_cursor(connection: Connection, *, owner: str, now: datetime) -> Cursor:
    """The place of a miner that never ran: every log written so far is ahead of it."""
    return Cursor(0, START, head(connection), None, owner, now)


def next_batch(
    connection: Connection, *, cursor: Cursor, limit: int
) -> tuple[Cursor, list[TailRow]]:
    """Up to `limit` logs after the cursor, and the cursor past them (into the next window
    once this one is done)."""
    rows = replay(
        connection,
        since=cursor.since,
        upto=cursor.upto,
        after=cursor.after,
        criteria=LogCriteria(),
        limit=limit,
    )
    if len(rows) == limit:
        last = rows[-1]
        return replace(cursor, after=(last.tx, last.record.id)), rows
    return replace(cursor, since=cursor.upto, upto=head(connection), after=None), rows


def load_states(
    connection: Connection,
) -> tuple[list[tuple[str, bytes]], dict[tuple[str, int], int]]:
    """Every service's stored miner, and the pattern id of each (service, cluster)."""
    states = [(row.service, row.state) for row in connection.execute(select(pattern_miners))]
    ids = {
        (row.service, row.cluster_id): row.id
        for row in connection.execute(
            select(patterns.c.id, patterns.c.service, patterns.c.cluster_id)
        )
    }
    return states, ids


@dataclass(frozen=True, slots=True)
class Seen:
    """A cluster a batch matched: its template now and the range of its logs' timestamps."""

    service: str
    cluster_id: int
    template: str
    first: datetime
    last: datetime


@dataclass(frozen=True, slots=True)
class Assignment:
    """A mined log's (service, cluster), and the rollup row its count goes to."""

    log_id: int
    key: tuple[str, int]
    minute: datetime
    level: str


def store_batch(
    connection: Connection,
    *,
    started: Cursor,
    reached: Cursor,
    seen: Sequence[Seen],
    known: Mapping[tuple[str, int], int],
    evicted: Iterable[int],
    assignments: Sequence[Assignment],
    states: Mapping[str, bytes],
) -> dict[tuple[str, int], int]:
    """Store one batch's work atomically; the ids of the patterns it created. LostCursor
    (rolling everything back) when the stored cursor is no longer `started`."""
    _move_cursor(connection, started=started, reached=reached)
    _drop_patterns(connection, list(evicted))
    created = _insert_patterns(
        connection, [one for one in seen if (one.service, one.cluster_id) not in known]
    )
    _update_patterns(
        connection,
        [(known[key], one) for one in seen if (key := (one.service, one.cluster_id)) in known],
    )
    ids = {**known, **created}
    rows = [{"log_id": one.log_id, "pattern_id": ids[one.key]} for one in assignments]
    if rows:
        connection.execute(insert(log_patterns), rows)
        minutes = Counter((ids[one.key], one.minute, one.level) for one in assignments)
        hours: Counter[tuple[int, datetime, str]] = Counter()
        for (pattern_id, minute, level), n in minutes.items():
            hours[pattern_id, minute.replace(minute=0), level] += n
        _count(connection, pattern_counts, minutes)
        _count(connection, pattern_counts_hourly, hours)
    if states:
        connection.execute(delete(pattern_miners).where(pattern_miners.c.service.in_(states)))
        connection.execute(
            insert(pattern_miners),
            [{"service": service, "state": state} for service, state in states.items()],
        )
    return created


def _move_cursor(connection: Connection, *, started: Cursor, reached: Cursor) -> None:
    values = {
        "version": started.version + 1,
        "since": str(reached.since),
        "upto": str(reached.upto),
        "after_tx": None if reached.after is None else reached.after[0],
        "after_id": None if reached.after is None else reached.after[1],
        "owner": reached.owner,
        "lease_until": reached.lease_until,
    }
    if started.version == 0:
        exists = connection.execute(select(pattern_cursor.c.id)).first()
        if exists is not None:
            raise LostCursor
        try:
            connection.execute(insert(pattern_cursor).values(id=CURSOR_ID, **values))
        except IntegrityError:  # another process's first batch was stored meanwhile
            raise LostCursor from None
        return
    moved = connection.execute(
        update(pattern_cursor)
        .where(pattern_cursor.c.id == CURSOR_ID, pattern_cursor.c.version == started.version)
        .values(**values)
    )
    if moved.rowcount != 1:
        raise LostCursor


def _drop_patterns(connection: Connection, ids: list[int]) -> None:
    """Evicted clusters' patterns go with their assignments, so the tables stay bounded."""
    if ids:
        connection.execute(delete(log_patterns).where(log_patterns.c.pattern_id.in_(ids)))
        for rollup in (pattern_counts, pattern_counts_hourly):
            connection.execute(delete(rollup).where(rollup.c.pattern_id.in_(ids)))
        connection.execute(delete(patterns).where(patterns.c.id.in_(ids)))


def _count(
    connection: Connection, rollup: Table, counts: Counter[tuple[int, datetime, str]]
) -> None:
    """Add the batch's logs to a rollup (in key order: no lock cycles)."""
    rows = [
        {"pattern_id": pattern_id, "bucket": minute, "level": level, "count": n}
        for (pattern_id, minute, level), n in sorted(counts.items())
    ]
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        statement = dialect_insert(connection, rollup).values(
            rows[start : start + ROWS_PER_STATEMENT]
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["bucket", "pattern_id", "level"],
                set_={"count": rollup.c.count + statement.excluded.count},
            )
        )


def _insert_patterns(connection: Connection, seen: list[Seen]) -> dict[tuple[str, int], int]:
    if not seen:
        return {}
    rows = [
        {
            "service": one.service,
            "cluster_id": one.cluster_id,
            "template": one.template,
            "first_seen": one.first,
            "last_seen": one.last,
        }
        for one in seen
    ]
    result = connection.execute(
        insert(patterns).returning(
            patterns.c.id, patterns.c.service, patterns.c.cluster_id, sort_by_parameter_order=True
        ),
        rows,
    )
    return {(row.service, row.cluster_id): row.id for row in result}


def _update_patterns(connection: Connection, seen: list[tuple[int, Seen]]) -> None:
    """Drain generalises templates as lines come: the row keeps its id, takes the new text.
    A few statements of many rows each (an UPDATE given many parameter sets is sent one row
    per round trip)."""
    for start in range(0, len(seen), UPDATES_PER_STATEMENT):
        part = seen[start : start + UPDATES_PER_STATEMENT]
        first = _each(part, attrgetter("first"), UTCDateTime())
        last = _each(part, attrgetter("last"), UTCDateTime())
        connection.execute(
            update(patterns)
            .where(patterns.c.id.in_([pattern_id for pattern_id, _one in part]))
            .values(
                template=_each(part, attrgetter("template"), Text()),
                first_seen=case(
                    (patterns.c.first_seen > first, first), else_=patterns.c.first_seen
                ),
                last_seen=case((patterns.c.last_seen < last, last), else_=patterns.c.last_seen),
            )
        )


def _each(
    part: list[tuple[int, Seen]], value: Callable[[Seen], Any], type_: Any
) -> ColumnElement[Any]:
    """Each pattern's own value of `value`, as one expression over the row's id."""
    return case(
        {pattern_id: literal(value(one), type_) for pattern_id, one in part},
        value=patterns.c.id,
    )
