"""The partitions of `logs` on PostgreSQL: listed, created on demand and ahead of need.

A write first looks its timestamps up in this process's copy of the known bounds (a bisect
per log, no round trip); for a timestamp no partition holds, `create_partitions` runs in a
transaction of its own, on the primary. It takes one advisory lock, so concurrent writers and
maintenance never create overlapping partitions, reads the catalogue again under it, and
creates each missing partition empty and then attaches it: ATTACH takes only a SHARE UPDATE
EXCLUSIVE lock on `logs`, which neither reads nor writes wait for, where CREATE TABLE ..
PARTITION OF would take an ACCESS EXCLUSIVE one. There is no DEFAULT partition: it would make
every later creation scan it, and PostgreSQL refuses DETACH CONCURRENTLY while one exists.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

import psycopg2
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from db.partition_layout import DAY, HIGHEST, LOWEST, Bounds, bounds_for, covering, first_gap

if TYPE_CHECKING:  # db.engine imports db.logs, which imports this module
    from db.engine import Database

T = TypeVar("T")
# pg_advisory_xact_lock's key: the ASCII bytes of "lgpart01" as one signed 64-bit number.
PARTITION_LOCK_KEY = int.from_bytes(b"lgpart01", "big")
_KIND = text("SELECT relkind FROM pg_class WHERE oid = 'logs'::regclass")
_LIST = text(
    "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), i.inhdetachpending"
    " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
    " WHERE i.inhparent = 'logs'::regclass"
)


@dataclass(frozen=True, slots=True)
class Partition:
    name: str
    bounds: Bounds
    detach_pending: bool


class KnownBounds:
    """This process's copy of the partitions' bounds per database, sorted; refreshed whenever
    this process creates or drops one, or a write finds one gone."""

    def __init__(self) -> None:
        self._by_database: dict[str, list[Bounds]] = {}
        self._lock = threading.Lock()

    def missing(self, database: str, instants: Sequence[datetime]) -> list[datetime]:
        """The instants no known partition holds; one lookup when one partition holds them
        all, as it does for nearly every batch."""
        known = self._by_database.get(database, [])
        if not instants:
            return []
        first, last = min(instants), max(instants)
        one = covering(known, first)
        if one is not None and one.holds(last):
            return []
        return [instant for instant in instants if covering(known, instant) is None]

    def bounds(self, database: str) -> list[Bounds]:
        """The bounds known for the database, sorted; none when this process knows none."""
        return self._by_database.get(database, [])

    def replace(self, database: str, bounds: Iterable[Bounds]) -> None:
        with self._lock:
            self._by_database[database] = sorted(bounds)

    def forget(self, database: str) -> None:
        with self._lock:
            self._by_database.pop(database, None)


KNOWN = KnownBounds()


def database_key(connection: Connection) -> str:
    """Which database the copy of bounds is for: its URL (tests use many databases)."""
    return connection.engine.url.render_as_string(hide_password=True)


async def writing_logs_of(
    db: Database, instants: Sequence[datetime], write: Callable[[], Awaitable[T]]
) -> T:
    """Run a write of logs with these timestamps once their partitions exist. Another
    process may have dropped a partition this one still knew: then the write, which failed
    whole, is made again once the partitions are read anew and created."""
    if db.is_sqlite:
        return await write()
    database = db.engine.url.render_as_string(hide_password=True)
    await _create_missing(db, database, instants)
    try:
        return await write()
    except (DBAPIError, psycopg2.Error) as error:  # COPY raises the driver's own errors
        if "no partition of relation" not in str(getattr(error, "orig", error)):
            raise
    KNOWN.forget(database)
    await _create_missing(db, database, instants)
    return await write()


async def _create_missing(db: Database, database: str, instants: Sequence[datetime]) -> None:
    missing = KNOWN.missing(database, instants)
    if missing:
        await db.write(lambda connection: create_partitions(connection, missing))


def ensure_partitions(connection: Connection, instants: Sequence[datetime]) -> None:
    """For writers handed a connection (bulk loads, tests): create what the instants lack in
    a transaction of another connection, so the creation commits whatever the write does."""
    missing = KNOWN.missing(database_key(connection), instants)
    if missing:
        with connection.engine.begin() as other:
            create_partitions(other, missing)


def list_partitions(connection: Connection) -> list[Partition]:
    """Every partition of `logs`, by lower bound; reads bounds in UTC (`SET LOCAL`: call this
    in a transaction)."""
    connection.execute(text("SET LOCAL TIME ZONE 'UTC'"))
    rows = connection.execute(_LIST).all()
    found = [Partition(name, parse_bounds(bound), bool(pending)) for name, bound, pending in rows]
    return sorted(found, key=lambda partition: partition.bounds)


def create_partitions(connection: Connection, instants: Iterable[datetime]) -> list[Bounds]:
    """Create the partitions the instants lack; every partition's bounds afterwards."""
    known = _locked_bounds(connection)
    if known is None:
        return []
    now = datetime.now(UTC)
    for instant in sorted(instants):
        if covering(known, instant) is None:
            known = _add(connection, known, bounds_for(instant, known=known, now=now))
    KNOWN.replace(database_key(connection), known)
    return known


def create_days_ahead(connection: Connection, now: datetime, *, days: int) -> list[Bounds]:
    """Partitions for every instant from today's midnight to `days` days ahead: what
    maintenance and the upgrade make early. Gaps are sought, not one instant a day, because a
    day may be held in part only (the upgrade's old table ends at the instant it ran)."""
    known = _locked_bounds(connection)
    if known is None:
        return []
    start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + DAY * (days + 1)
    while (gap := first_gap(known, start, end)) is not None:
        known = _add(connection, known, bounds_for(gap, known=known, now=now))
    KNOWN.replace(database_key(connection), known)
    return known


def _locked_bounds(connection: Connection) -> list[Bounds] | None:
    """Every partition's bounds, read under the creation lock; None below migration 0017."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PARTITION_LOCK_KEY})
    if connection.execute(_KIND).scalar_one() != "p":  # downgraded below migration 0017
        return None
    return [partition.bounds for partition in list_partitions(connection)]


def _add(connection: Connection, known: list[Bounds], bounds: Bounds) -> list[Bounds]:
    _create(connection, bounds)
    return sorted([*known, bounds])


def _create(connection: Connection, bounds: Bounds) -> None:
    name = bounds.name
    connection.execute(
        text(f"CREATE TABLE {name} (LIKE logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    )
    connection.execute(
        text(f"ALTER TABLE logs ATTACH PARTITION {name} FOR VALUES {bounds_sql(bounds)}")
    )


def bounds_sql(bounds: Bounds) -> str:
    """FROM (..) TO (..) as PostgreSQL writes partition bounds."""
    low = "MINVALUE" if bounds.low == LOWEST else f"'{bounds.low.isoformat()}'"
    high = "MAXVALUE" if bounds.high == HIGHEST else f"'{bounds.high.isoformat()}'"
    return f"FROM ({low}) TO ({high})"


def parse_bounds(expression: str) -> Bounds:
    """ "FOR VALUES FROM ('2026-12-07 00:00:00+00') TO (MAXVALUE)" as Bounds."""
    low_text, high_text = expression.removeprefix("FOR VALUES FROM (").split(") TO (")
    return Bounds(_instant(low_text, LOWEST), _instant(high_text.removesuffix(")"), HIGHEST))


def _instant(literal: str, open_end: datetime) -> datetime:
    if literal in ("MINVALUE", "MAXVALUE"):
        return open_end
    return datetime.fromisoformat(literal.strip("'")).astimezone(UTC)
