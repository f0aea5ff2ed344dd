"""Every SQL statement over the `logs` table."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    and_,
    any_,
    bindparam,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, psycopg2

from db import newest_first, pages, partition_walk, pattern_pages
from db.copy import copy_logs
from db.forget import forget_assignments
from db.generic_plans import generic_rows
from db.keyset import Position, beyond
from db.levels import BY_NAME, Level
from db.metadata import MetadataTest
from db.models import as_utc, log_patterns, logs
from db.partitions import ensure_partitions, writing_logs_of

if TYPE_CHECKING:  # db.engine imports this module (through db.matching)
    from db.engine import Database


@dataclass(frozen=True, slots=True)
class NewLog:
    """A validated log about to be written."""

    timestamp: datetime
    level: Level
    service: str
    message: str
    metadata: Any
    metadata_json: str | None  # the metadata serialised once, during validation


@dataclass(frozen=True, slots=True)
class LogCriteria:
    """Which logs a read selects; `None` means no restriction, an empty set means none match."""

    levels: frozenset[Level] | None = None
    services: frozenset[str] | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    message_contains: str | None = None
    message_matches: str | None = None  # checked by db.text.pattern_problem first
    metadata: tuple[MetadataTest, ...] = ()
    any_of: tuple[LogCriteria, ...] | None = None  # at least one holds; none given: none match
    negated: LogCriteria | None = None  # must not hold
    patterns: frozenset[int] | None = None  # ids of patterns (db/pattern_reads.py) one of holds

    @property
    def matches_nothing(self) -> bool:
        return (
            self.levels == frozenset()
            or self.services == frozenset()
            or self.any_of == ()
            or self.patterns == frozenset()
        )

    @property
    def counted_by_rollups(self) -> bool:
        """Only level, service and time: the rollup tables can count these logs."""
        return not (
            self.message_contains
            or self.message_matches is not None
            or self.metadata
            or self.any_of is not None
            or self.negated is not None
            or self.patterns is not None
        )

    @property
    def nested(self) -> tuple[LogCriteria, ...]:
        return (*(self.any_of or ()), *(() if self.negated is None else (self.negated,)))

    @property
    def by_pattern(self) -> bool:
        """Whether a pattern condition is anywhere in the criteria: what a log has only once
        mined, so that nothing can decide it as the log is written."""
        return self.patterns is not None or any(one.by_pattern for one in self.nested)

    @property
    def pattern_ids(self) -> frozenset[int]:
        """Every pattern id the criteria name, nested ones too."""
        return frozenset(self.patterns or ()).union(*(one.pattern_ids for one in self.nested))


@dataclass(frozen=True, slots=True)
class LogRecord:
    """A stored log, as every read returns it and every surface shows it."""

    id: int
    timestamp: datetime
    level: Level
    service: str
    message: str
    metadata: Any


def log_record(row: Sequence[Any]) -> LogRecord:
    """A selected row of LOG_COLUMNS as the record every read returns."""
    return LogRecord(row[0], row[1], BY_NAME[row[2]], row[3], row[4], row[5])


LOG_COLUMNS = (
    logs.c.id,
    logs.c.timestamp,
    logs.c.level,
    logs.c.service,
    logs.c.message,
    logs.c.metadata,
)


# Built once: constructing the statement showed up in profiles of single creates.
_INSERT_RETURNING_IDS = insert(logs).returning(logs.c.id, sort_by_parameter_order=True)
# One log on PostgreSQL: this text through `exec_driver_sql` or awaited on the loop
# (db/loop_writes.py), the metadata as the JSON text validation made (no metadata is SQL NULL,
# as in a COPY).
_INSERTED = ["timestamp", "level", "service", "message", "metadata"]
_INSERT_ONE_POSTGRES = (
    insert(logs)
    .returning(logs.c.id)
    .compile(dialect=psycopg2.dialect(), column_keys=_INSERTED)  # type: ignore[no-untyped-call]
    .string
)


def insert_logs(connection: Connection, new_logs: Sequence[NewLog]) -> list[int]:
    """Insert in one set-based statement; ids come back in input order."""
    if not new_logs:
        return []
    if connection.dialect.name == "postgresql":
        ensure_partitions(connection, [log.timestamp for log in new_logs])
        # A lone row is quickest as INSERT .. RETURNING (one round trip); already at five
        # rows, drawing ids and then COPYing them was faster.
        if len(new_logs) == 1:
            return _insert_one_postgres(connection, new_logs[0])
        return copy_logs(connection, new_logs)
    rows = connection.execute(
        _INSERT_RETURNING_IDS,
        [
            {
                "timestamp": log.timestamp,
                "level": log.level.value,
                "service": log.service,
                "message": log.message,
                "metadata": log.metadata,
            }
            for log in new_logs
        ],
    )
    return [row[0] for row in rows]


async def write_logs(db: Database, new_logs: Sequence[NewLog]) -> list[int]:
    """Write the logs in one transaction, into partitions that exist (db/partitions.py)."""
    return await writing_logs_of(
        db,
        [log.timestamp for log in new_logs],
        lambda: db.write(lambda connection: insert_logs(connection, new_logs)),
    )


async def insert_one(db: Database, new_log: NewLog) -> int:
    """One log in one statement, atomic by itself: awaited on the event loop on PostgreSQL
    (db/loop_writes.py), in the thread pool on SQLite."""
    return await writing_logs_of(db, [new_log.timestamp], lambda: _insert_one(db, new_log))


async def _insert_one(db: Database, new_log: NewLog) -> int:
    if db.loop_writes is None:
        (log_id,) = await db.write_statement(lambda connection: insert_logs(connection, [new_log]))
        return log_id
    rows = await db.loop_rows(_INSERT_ONE_POSTGRES, _insert_params(new_log))
    return int(rows[0][0])


def _insert_one_postgres(connection: Connection, log: NewLog) -> list[int]:
    rows = connection.exec_driver_sql(_INSERT_ONE_POSTGRES, _insert_params(log)).all()
    return [row[0] for row in rows]


def _insert_params(log: NewLog) -> dict[str, Any]:
    return {
        "timestamp": as_utc(log.timestamp),
        "level": log.level.value,
        "service": log.service,
        "message": log.message,
        "metadata": log.metadata_json,
    }


def get_log(connection: Connection, log_id: int) -> LogRecord | None:
    found = in_any_partition(connection, select(*LOG_COLUMNS).where(logs.c.id == log_id))
    return found[0] if found else None


def logs_by_id(connection: Connection, log_ids: Collection[int]) -> dict[int, LogRecord]:
    """The logs that still exist among the ids."""
    if connection.dialect.name == "postgresql":  # one SQL text, one plan, for any number
        which = logs.c.id == any_(bindparam("ids", sorted(log_ids), type_=ARRAY(BigInteger())))
    else:
        which = logs.c.id.in_(sorted(log_ids))
    found = in_any_partition(connection, select(*LOG_COLUMNS).where(which))
    return {record.id: record for record in found}


def in_any_partition(connection: Connection, statement: Select[Any]) -> list[LogRecord]:
    """The logs a statement of LOG_COLUMNS selects by what no time range holds (an id, a
    needle): on PostgreSQL through the plan the connection made once for it, which only probes
    each partition (db/generic_plans.py), where planning over every partition costs more."""
    if connection.dialect.name != "postgresql":
        return [log_record(row) for row in connection.execute(statement)]
    rows = generic_rows(connection, statement)
    return [log_record((*row[:1], as_utc(row[1]), *row[2:])) for row in rows]


def delete_log(connection: Connection, log_id: int) -> LogRecord | None:
    """Delete and return the log as it was, with its pattern assignment."""
    statement = delete(logs).where(logs.c.id == log_id).returning(*LOG_COLUMNS)
    row = connection.execute(statement).first()
    if row is None:
        return None
    forget_assignments(connection, [log_id])
    return log_record(row)


def find_logs(
    connection: Connection,
    criteria: LogCriteria,
    *,
    skip: int,
    limit: int,
    descending: bool,
    by_id: bool = False,
) -> list[LogRecord]:
    """One page of matching logs in a stable order (timestamp then id, or id alone)."""
    if criteria.matches_nothing or limit == 0:
        return []
    if skip == 0 and not by_id and pattern_pages.applies(criteria):
        return pattern_rows(connection, criteria, descending=descending, limit=limit)
    if not by_id and partition_walk.applies(connection, criteria, descending=descending):
        return _walked(connection, criteria, skip=skip, limit=limit, descending=descending)
    # Ids say nothing of the partition: on PostgreSQL the page's keys are read through a plan
    # made once (_skipped), rather than a first page planned over every partition.
    anywhere = criteria.start_time is None and criteria.end_time is None
    if skip == 0 and not (by_id and anywhere and connection.dialect.name == "postgresql"):
        return first_page(connection, criteria, limit=limit, descending=descending, by_id=by_id)
    return _skipped(
        connection, criteria, skip=skip, limit=limit, descending=descending, by_id=by_id
    )


def _walked(
    connection: Connection, criteria: LogCriteria, *, skip: int, limit: int, descending: bool
) -> list[LogRecord]:
    """A page in time order unbounded on the side it walks to, a few partitions at a time."""

    def part(narrowed: LogCriteria, size: int) -> list[LogRecord]:
        return first_page(connection, narrowed, limit=size, descending=descending)

    if skip == 0 and descending:
        return newest_first.newest_matches(connection, criteria, limit=limit, page=part)
    if skip == 0:
        return partition_walk.walk(connection, criteria, descending=False, limit=limit, page=part)

    def deep(narrowed: LogCriteria, offset: int, size: int) -> list[LogRecord]:
        return _skipped(connection, narrowed, skip=offset, limit=size, descending=descending)

    return partition_walk.walk_past(
        connection,
        criteria,
        descending=descending,
        skip=skip,
        limit=limit,
        count=lambda narrowed, bound: count_up_to(connection, narrowed, bound),
        offset_page=deep,
        page=part,
    )


def _skipped(
    connection: Connection,
    criteria: LogCriteria,
    *,
    skip: int,
    limit: int,
    descending: bool,
    by_id: bool = False,
) -> list[LogRecord]:
    """The page `skip` matches deep: its keys first (skipping walks an index alone), then its
    rows by id within the page's own time range, which PostgreSQL prunes to the partitions the
    page spans (a join on the keys planned, or hash-joined, every partition)."""
    order = _order(descending=descending, by_id=by_id)
    keys = filtered(select(logs.c.id, logs.c.timestamp), criteria)
    keys = keys.order_by(*order).offset(skip).limit(limit)
    unbounded = criteria.start_time is None and criteria.end_time is None
    if by_id and unbounded and connection.dialect.name == "postgresql":
        found = generic_rows(connection, keys)  # ids say nothing of the partition
    else:
        found = connection.execute(keys).all()
    if not found:
        return []
    instants = [as_utc(instant) for _, instant in found]
    within = logs.c.timestamp.between(min(instants), max(instants))
    statement = select(*LOG_COLUMNS).where(logs.c.id.in_([n for n, _ in found]), within)
    return [log_record(row) for row in connection.execute(statement.order_by(*order))]


def keyset_rows(
    connection: Connection,
    criteria: LogCriteria,
    *,
    descending: bool,
    after: Position | None = None,
    before: Position | None = None,
    limit: int,
) -> list[LogRecord]:
    """Up to `limit` matching logs strictly between the positions, in the scan direction, as
    one statement."""
    statement = filtered(select(*LOG_COLUMNS), criteria)
    key = (logs.c.timestamp, logs.c.id)
    if after is not None:
        statement = statement.where(beyond(*key, after, descending=descending))
    if before is not None:
        statement = statement.where(beyond(*key, before, descending=not descending))
    order = _order(descending=descending, by_id=False)
    rows = connection.execute(statement.order_by(*order).limit(limit))
    return [log_record(row) for row in rows]


def pattern_rows(
    connection: Connection,
    criteria: LogCriteria,
    *,
    descending: bool,
    after: Position | None = None,
    before: Position | None = None,
    limit: int,
) -> list[LogRecord]:
    """What `keyset_rows` selects for criteria naming patterns, the pattern's logs found
    through its assignments (db/pattern_pages.py)."""
    others = replace(criteria, patterns=None)

    def rows_at(keys: list[Position], size: int) -> list[LogRecord]:
        instants = [key.timestamp for key in keys]
        within = logs.c.timestamp.between(min(instants), max(instants))  # pruned to their days
        at = (logs.c.id.in_([key.id for key in keys]), within)
        statement = filtered(select(*LOG_COLUMNS).where(*at), others)
        order = _order(descending=descending, by_id=False)
        rows = connection.execute(statement.order_by(*order).limit(size))
        return [log_record(row) for row in rows]

    def rest(start: Position | None, size: int) -> list[LogRecord]:
        return keyset_rows(
            connection, criteria, descending=descending, after=start, before=before, limit=size
        )

    return pattern_pages.walk(
        connection,
        criteria,
        descending=descending,
        after=after,
        before=before,
        limit=limit,
        rows_at=rows_at,
        rest=rest,
    )


def count_up_to(connection: Connection, criteria: LogCriteria, bound: int) -> int:
    """How many logs match, counted no further than `bound`."""
    matching = filtered(select(logs.c.id), criteria).limit(bound).subquery()
    return int(connection.execute(select(func.count()).select_from(matching)).scalar_one())


def first_page(
    connection: Connection,
    criteria: LogCriteria,
    *,
    limit: int,
    descending: bool,
    by_id: bool = False,
) -> list[LogRecord]:
    """The first page, from the statement prepared for the criteria's shape or one built."""
    prepared = pages.prepared_page(criteria, limit=limit, descending=descending, by_id=by_id)
    if prepared is not None:
        return [log_record(row) for row in pages.page_rows(connection, *prepared)]
    order = _order(descending=descending, by_id=by_id)
    statement = filtered(select(*LOG_COLUMNS), criteria).order_by(*order).limit(limit)
    return [log_record(row) for row in connection.execute(statement)]


def _order(*, descending: bool, by_id: bool) -> list[ColumnElement[Any]]:
    keys = [logs.c.id] if by_id else [logs.c.timestamp, logs.c.id]
    return [key.desc() if descending else key.asc() for key in keys]


def filtered(statement: Select[Any], criteria: LogCriteria) -> Select[Any]:
    """The statement narrowed to the logs the criteria select."""
    conditions = _conditions(criteria)
    return statement.where(and_(*conditions)) if conditions else statement


def _conditions(criteria: LogCriteria) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if criteria.levels is not None:
        conditions.append(one_of(logs.c.level, criteria.levels))
    if criteria.services is not None:
        conditions.append(one_of(logs.c.service, criteria.services))
    if criteria.start_time is not None:
        conditions.append(logs.c.timestamp >= criteria.start_time)
    if criteria.end_time is not None:
        conditions.append(logs.c.timestamp <= criteria.end_time)
    if criteria.message_contains:
        conditions.append(logs.c.message.icontains(criteria.message_contains, autoescape=True))
    if criteria.message_matches is not None:
        # `~*` on PostgreSQL; on SQLite, db.engine's REGEXP (always case-insensitive).
        conditions.append(logs.c.message.regexp_match(criteria.message_matches, flags="i"))
    conditions.extend(test.as_sql() for test in criteria.metadata)
    if criteria.patterns is not None:
        # Through the (pattern_id, log_id) index: the pattern's logs, then those by their key.
        mined = select(log_patterns.c.log_id).where(
            log_patterns.c.pattern_id.in_(sorted(criteria.patterns))
        )
        conditions.append(logs.c.id.in_(mined))
    if criteria.any_of is not None:
        conditions.append(or_(*map(_all_of, criteria.any_of)) if criteria.any_of else false())
    if criteria.negated is not None:
        # IS NOT TRUE, not NOT: a condition that is NULL for a log (an absent path) fails it,
        # so its negation must hold, as it does in db.matching.
        conditions.append(_all_of(criteria.negated).is_not(true()))
    return conditions


def selecting(criteria: LogCriteria) -> ColumnElement[bool]:
    """The criteria as one SQL condition (to count for several criteria in one scan)."""
    return _all_of(criteria)


def _all_of(criteria: LogCriteria) -> ColumnElement[bool]:
    if criteria.matches_nothing:
        return false()
    return and_(true(), *_conditions(criteria))


def one_of(column: ColumnElement[str], values: frozenset[str]) -> ColumnElement[bool]:
    """`=` for one value (cheaper to compile and plan than an expanding IN), else `IN`."""
    if len(values) == 1:
        (value,) = values
        return column == value
    return column.in_(sorted(values))
