"""The pattern miner's statements: the logs it mines, its state, and what it assigns.

The miner reads each service's logs in commit order through the live tail's positions
(db/tail.py), from the service's cursor (db/pattern_claims.py). Each batch's assignments,
patterns, miner states and the cursors' new places commit in one transaction that also checks
every cursor it started from is still the stored one: a log is assigned exactly once even
when two processes' miners overlap.

On PostgreSQL the batch's rows go as arrays, one statement a table (`unnest`): a statement
of many VALUES rows costs more to build in SQLAlchemy than the database takes to run it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from operator import attrgetter, itemgetter
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
    text,
    update,
)

from db.models import (
    UTCDateTime,
    dialect_insert,
    log_patterns,
    logs,
    pattern_counts,
    pattern_counts_hourly,
    pattern_miners,
    patterns,
)
from db.pattern_claims import Cursor, move
from db.tail import head, window

# Rows of one multi-row INSERT on SQLite: 4 parameters a row stays within its 999.
ROWS_PER_STATEMENT = 200
UPDATES_PER_STATEMENT = 50
Place = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class MinedLog:
    """What mining reads of a log: no metadata (decoding it cost more than masking)."""

    tx: int
    id: int
    timestamp: datetime
    level: str
    service: str
    message: str


def next_batch(
    connection: Connection, *, cursors: Sequence[Cursor], limit: int
) -> tuple[dict[str, Cursor], list[MinedLog]]:
    """Up to `limit` logs of each place after the cursors (services at the same place are
    read together), and each cursor past them (into the next window once this one is done)."""
    places: dict[Place, list[Cursor]] = defaultdict(list)
    for cursor in cursors:
        places[cursor.place].append(cursor)
    reached: dict[str, Cursor] = {}
    found: list[MinedLog] = []
    now = None
    for (since, upto, after), held in places.items():
        tx, conditions = window(connection, since=since, upto=upto, after=after)
        statement = (
            select(tx, logs.c.id, logs.c.timestamp, logs.c.level, logs.c.service, logs.c.message)
            .where(logs.c.service.in_([one.service for one in held]), *conditions)
            .order_by(tx, logs.c.id)
            .limit(limit)
        )
        rows = [MinedLog(*row) for row in connection.execute(statement)]
        found += rows
        if len(rows) == limit:
            last = (rows[-1].tx, rows[-1].id)
            reached |= {one.service: replace(one, after=last) for one in held}
        else:
            now = head(connection) if now is None else now
            reached |= {one.service: replace(one, since=upto, upto=now, after=None) for one in held}
    return reached, found


def load_states(
    connection: Connection, services: Collection[str]
) -> tuple[list[tuple[str, bytes]], dict[tuple[str, int], int]]:
    """The services' stored miners, and the pattern id of each of their (service, cluster)."""
    chosen = sorted(services)
    rows = connection.execute(select(pattern_miners).where(pattern_miners.c.service.in_(chosen)))
    states = [(row.service, row.state) for row in rows]
    ids = {
        (row.service, row.cluster_id): row.id
        for row in connection.execute(
            select(patterns.c.id, patterns.c.service, patterns.c.cluster_id).where(
                patterns.c.service.in_(chosen)
            )
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
    """A mined log's (service, cluster), with what its count in the rollups needs."""

    log_id: int
    key: tuple[str, int]
    timestamp: datetime
    level: str


def store_batch(
    connection: Connection,
    *,
    started: Sequence[Cursor],
    reached: Mapping[str, Cursor],
    seen: Sequence[Seen],
    known: Mapping[tuple[str, int], int],
    evicted: Iterable[int],
    assignments: Sequence[Assignment],
    states: Mapping[str, bytes],
) -> dict[tuple[str, int], int]:
    """Store one batch's work atomically; the ids of the patterns it created. LostCursor
    (rolling everything back) when a stored cursor is no longer where `started` has it."""
    for cursor in sorted(started, key=attrgetter("service")):  # as claims lock them
        move(connection, started=cursor, reached=reached[cursor.service])
    _drop_patterns(connection, list(evicted))
    created = _insert_patterns(
        connection, [one for one in seen if (one.service, one.cluster_id) not in known]
    )
    _update_patterns(
        connection,
        [(known[key], one) for one in seen if (key := (one.service, one.cluster_id)) in known],
    )
    ids = {**known, **created}
    if assignments:
        _assign(connection, assignments, ids)
        minutes = Counter(
            (ids[one.key], one.timestamp.replace(second=0, microsecond=0), one.level)
            for one in assignments
        )
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


_ASSIGN = text(
    'INSERT INTO log_patterns (log_id, pattern_id, "timestamp")'
    " SELECT * FROM unnest(CAST(:logs AS bigint[]), CAST(:patterns AS bigint[]),"
    " CAST(:instants AS timestamptz[]))"
)
_COUNT = """INSERT INTO {table} AS c (pattern_id, bucket, level, count)
SELECT * FROM unnest(CAST(:patterns AS bigint[]), CAST(:buckets AS timestamptz[]),
                     CAST(:levels AS varchar[]), CAST(:counts AS bigint[]))
ON CONFLICT (bucket, pattern_id, level) DO UPDATE SET count = c.count + excluded.count"""


def _assign(
    connection: Connection, assignments: Sequence[Assignment], ids: Mapping[tuple[str, int], int]
) -> None:
    if connection.dialect.name == "postgresql":
        columns = {
            "logs": [one.log_id for one in assignments],
            "patterns": [ids[one.key] for one in assignments],
            "instants": [one.timestamp for one in assignments],
        }
        connection.execute(_ASSIGN, columns)
    else:
        rows = [
            {"log_id": one.log_id, "pattern_id": ids[one.key], "timestamp": one.timestamp}
            for one in assignments
        ]
        connection.execute(insert(log_patterns), rows)


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
    ordered = sorted(counts.items())
    if connection.dialect.name == "postgresql":
        columns = list(zip(*(key for key, _n in ordered), strict=True))
        values = {"patterns": list(columns[0]), "buckets": list(columns[1])}
        values |= {"levels": list(columns[2]), "counts": [n for _key, n in ordered]}
        connection.execute(text(_COUNT.format(table=rollup.name)), values)
        return
    rows = [
        {"pattern_id": pattern_id, "bucket": bucket, "level": level, "count": n}
        for (pattern_id, bucket, level), n in ordered
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
    One statement of arrays on PostgreSQL, else a few of many rows each (an UPDATE given many
    parameter sets is sent one row per round trip)."""
    seen = sorted(seen, key=itemgetter(0))  # in id order: no lock cycles
    if seen and connection.dialect.name == "postgresql":
        values = {
            "ids": [pattern_id for pattern_id, _one in seen],
            "templates": [one.template for _id, one in seen],
            "firsts": [one.first for _id, one in seen],
            "lasts": [one.last for _id, one in seen],
        }
        connection.execute(_UPDATE, values)
        return
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


_UPDATE = text(
    """UPDATE patterns AS p SET template = u.template,
    first_seen = LEAST(p.first_seen, u.first_seen), last_seen = GREATEST(p.last_seen, u.last_seen)
FROM unnest(CAST(:ids AS bigint[]), CAST(:templates AS text[]),
            CAST(:firsts AS timestamptz[]), CAST(:lasts AS timestamptz[]))
     AS u(id, template, first_seen, last_seen)
WHERE p.id = u.id"""
)


def _each(
    part: list[tuple[int, Seen]], value: Callable[[Seen], Any], type_: Any
) -> ColumnElement[Any]:
    """Each pattern's own value of `value`, as one expression over the row's id."""
    return case(
        {pattern_id: literal(value(one), type_) for pattern_id, one in part},
        value=patterns.c.id,
    )
