"""The live tail's reads: new logs in commit order, and replays from a position.

A position is a `Snapshot`: which writing transactions a read saw. On PostgreSQL it is the
server's own `pg_current_snapshot()` (every transaction id below `xmax` except those in `xip`
had committed), and each log stores its writing transaction's 64-bit id in `tx_id` (filled
by the column default, COPY included). A row is new to a reader at position P exactly when
P did not see its transaction: `tx_id >= P.xmax OR tx_id IN P.xip`, an index range plus a
few lookups, whatever order the ids were drawn in. On SQLite one writer commits at a time
under the app's write lock, so ids are handed out in commit order: the id is its own
transaction id and a position is `xmax` = the first id not yet seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    func,
    not_,
    or_,
    select,
    tuple_,
)

from db.logs import LOG_COLUMNS, LogCriteria, LogRecord, filtered, log_record
from db.models import logs


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The transactions a read saw: every one below `xmax` except those in `xip`."""

    xmin: int
    xmax: int
    xip: frozenset[int] = frozenset()

    def sees(self, tx: int) -> bool:
        return tx < self.xmax and tx not in self.xip

    def covers(self, other: Snapshot) -> bool:
        """Whether this saw every transaction `other` saw (so it was taken no earlier)."""
        if self.xmax < other.xmax:
            return False
        return not any(tx < other.xmax and tx not in other.xip for tx in self.xip)

    def __str__(self) -> str:
        """PostgreSQL's text form, `xmin:xmax:xip,...`."""
        return f"{self.xmin}:{self.xmax}:{','.join(map(str, sorted(self.xip)))}"

    @classmethod
    def parse(cls, text: str) -> Snapshot:
        """The text form back; ValueError when it is not one."""
        xmin, xmax, xip = text.split(":")
        snapshot = cls(int(xmin), int(xmax), frozenset(int(tx) for tx in xip.split(",") if tx))
        if not 0 < snapshot.xmin <= snapshot.xmax or any(
            not snapshot.xmin <= tx < snapshot.xmax for tx in snapshot.xip
        ):
            raise ValueError(text)
        return snapshot


@dataclass(frozen=True, slots=True)
class TailRow:
    """A log and the transaction that wrote it; the tail orders rows by (tx, record.id)."""

    tx: int
    record: LogRecord


def _tx(connection: Connection) -> ColumnElement[int]:
    return logs.c.id if connection.dialect.name == "sqlite" else logs.c.tx_id


def _unseen(tx: ColumnElement[int], xmax: Any, xip: Any) -> ColumnElement[bool]:
    """Written by a transaction a position with this `xmax` and `xip` (values or bound
    parameters; None: no transaction in progress) did not see."""
    unseen = tx >= xmax
    return unseen if xip is None else or_(unseen, tx.in_(xip))


def _seen(tx: ColumnElement[int], position: Snapshot) -> ColumnElement[bool]:
    seen = tx < position.xmax
    return and_(seen, not_(tx.in_(sorted(position.xip)))) if position.xip else seen


def head(connection: Connection) -> Snapshot:
    """The position of a read made now, without reading any log."""
    if connection.dialect.name == "sqlite":
        last = connection.execute(select(func.coalesce(func.max(logs.c.id), 0))).scalar_one()
        return Snapshot(last + 1, last + 1)
    return Snapshot.parse(connection.execute(select(_current_snapshot())).scalar_one())


def _current_snapshot() -> ColumnElement[str]:
    return func.pg_current_snapshot().cast(logs.c.message.type)


# The poll's statements, built once per (backend, `wanted`, whether `since` has transactions
# in progress) with `since` bound: building a statement and its cache key cost about three
# quarters of a poll's CPU, and a process polls up to 200 times a second.
MAX_POLL_STATEMENTS = 64
_polls: dict[tuple[str, LogCriteria | None, bool], Select[Any]] = {}


def poll(
    connection: Connection, since: Snapshot, wanted: LogCriteria | None = None
) -> tuple[Snapshot, list[TailRow]]:
    """The logs committed after `since` and visible now that `wanted` selects (all when None),
    in (tx, id) order, and now's position."""
    dialect = connection.dialect.name
    statement = _poll_statement(dialect, wanted, bool(since.xip))
    values: dict[str, Any] = {"xmax": since.xmax}
    if since.xip:
        values["xip"] = sorted(since.xip)
    result = connection.execute(statement, values).all()
    if dialect == "sqlite":
        # The newest id + 1, also when it is below `since` (the newest logs were deleted):
        # their ids are never handed out again (AUTOINCREMENT), so nothing is read twice.
        upto = result[0][0] + 1
        rows = [TailRow(row[1], log_record(row[1:])) for row in result if row[1] is not None]
        return Snapshot(upto, upto), rows
    rows = [TailRow(row[1], log_record(row[2:])) for row in result if row[2] is not None]
    return Snapshot.parse(result[0][0]), rows


def _poll_statement(dialect: str, wanted: LogCriteria | None, in_progress: bool) -> Select[Any]:
    build = _sqlite_poll if dialect == "sqlite" else _postgres_poll
    key = (dialect, wanted, in_progress)
    try:
        statement = _polls.get(key)
    except TypeError:  # a metadata test's operand is a JSON object or array: not hashable
        return build(wanted, in_progress)
    if statement is None:
        if len(_polls) >= MAX_POLL_STATEMENTS:
            _polls.clear()
        statement = _polls[key] = build(wanted, in_progress)
    return statement


def _postgres_poll(wanted: LogCriteria | None, in_progress: bool) -> Select[Any]:
    """One statement: the rows it returns are exactly those its snapshot sees."""
    now = select(_current_snapshot().label("snapshot")).subquery()
    xip: Any = bindparam("xip", expanding=True) if in_progress else None
    new = _wanted(_unseen(logs.c.tx_id, bindparam("xmax"), xip), wanted)
    return (
        select(now.c.snapshot, logs.c.tx_id, *LOG_COLUMNS)
        .select_from(now.outerjoin(logs, new))
        .order_by(logs.c.tx_id, logs.c.id)
    )


def _sqlite_poll(wanted: LogCriteria | None, _in_progress: bool) -> Select[Any]:
    """The newest id and the new rows (SQLite's positions have no transactions in progress)."""
    last = select(func.coalesce(func.max(logs.c.id), 0)).scalar_subquery()
    new = _wanted(logs.c.id >= bindparam("xmax"), wanted)
    return (
        select(last, *LOG_COLUMNS)
        .select_from(select(1).subquery().outerjoin(logs, new))
        .order_by(logs.c.id)
    )


def _wanted(new: ColumnElement[bool], wanted: LogCriteria | None) -> ColumnElement[bool]:
    """`new` narrowed to the logs `wanted` selects."""
    if wanted is None:
        return new
    narrowed = filtered(select(logs.c.id).where(new), wanted).whereclause
    assert narrowed is not None
    return narrowed


def window(
    connection: Connection, *, since: Snapshot, upto: Snapshot, after: tuple[int, int] | None
) -> tuple[ColumnElement[int], list[ColumnElement[bool]]]:
    """The column of a log's transaction, and the conditions keeping the logs `upto` saw and
    `since` did not, after (tx, id): what reading them in commit order filters on."""
    tx = _tx(connection)
    conditions = [_unseen(tx, since.xmax, sorted(since.xip) or None), _seen(tx, upto)]
    if after is not None:
        conditions.append(tuple_(tx, logs.c.id) > tuple_(*after))
    return tx, conditions


def replay(
    connection: Connection,
    *,
    since: Snapshot,
    upto: Snapshot,
    after: tuple[int, int] | None,
    criteria: LogCriteria,
    limit: int,
) -> list[TailRow]:
    """Matching logs `upto` saw and `since` did not, after (tx, id), in (tx, id) order."""
    if criteria.matches_nothing:
        return []
    tx, conditions = window(connection, since=since, upto=upto, after=after)
    statement = filtered(select(tx, *LOG_COLUMNS).where(*conditions), criteria)
    result = connection.execute(statement.order_by(tx, logs.c.id).limit(limit))
    return [TailRow(row[0], log_record(row[1:])) for row in result]


def log_exists(connection: Connection, log_id: int) -> bool:
    statement = select(logs.c.id).where(logs.c.id == log_id)
    return connection.execute(statement).first() is not None
