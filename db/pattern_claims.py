"""Which miner mines which service: a place in the logs and a lease per service.

Each service has a cursor (`pattern_cursors`): how far its logs were mined, in commit order,
and which miner holds its lease. A miner claims its share of the services (the services over
the miners alive, `pattern_processes`), taking lapsed leases and letting go of what is over
its share, so that processes mine different services at once and none twice. Leases decide
who mines, not what is stored: every store moves the cursors it started from, refused when
one moved meanwhile (db/patterns.py), so a log is assigned once even when leases overlap.

A service gets its cursor when a miner first finds it in the logs (`discover`): found in the
window (since, upto] of the discovery, none of its logs is before `since`, where its cursor
starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import ceil
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from db.models import dialect_insert, logs, pattern_cursors, pattern_discovery, pattern_processes
from db.tail import Snapshot, head, window

DISCOVERY_ID = 1
START = Snapshot(1, 1)  # before every log
LAPSED = datetime(1970, 1, 1, tzinfo=UTC)  # the lease of a service nobody claimed yet


class LostCursor(Exception):
    """Another miner moved a cursor since this one read it: the batch is not stored."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where mining a service is: logs `upto` saw and `since` did not, after (tx, id)
    `after`; and the version every move steps on."""

    service: str
    version: int
    since: Snapshot
    upto: Snapshot
    after: tuple[int, int] | None

    @property
    def place(self) -> tuple[Snapshot, Snapshot, tuple[int, int] | None]:
        return self.since, self.upto, self.after


def discover(connection: Connection) -> list[str]:
    """Give a cursor to each service first written since the last discovery; which did.
    LostCursor when another miner discovered meanwhile."""
    found = connection.execute(select(pattern_discovery.c.since)).scalar()
    since = START if found is None else Snapshot.parse(found)
    upto = head(connection)
    if upto == since:
        return []
    _tx, conditions = window(connection, since=since, upto=upto, after=None)
    services = connection.execute(select(logs.c.service).where(*conditions).distinct())
    new = [
        {"service": service, "version": 0, "since": str(since), "upto": str(upto)}
        for service in sorted(services.scalars())
    ]
    if new:
        statement = dialect_insert(connection, pattern_cursors).values(owner="", lease_until=LAPSED)
        connection.execute(statement.on_conflict_do_nothing(index_elements=["service"]), new)
    if found is None:
        try:
            connection.execute(insert(pattern_discovery).values(id=DISCOVERY_ID, since=str(upto)))
        except IntegrityError:
            raise LostCursor from None
    else:
        moved = connection.execute(
            update(pattern_discovery)
            .where(pattern_discovery.c.since == found)
            .values(since=str(upto))
        )
        if moved.rowcount != 1:
            raise LostCursor
    return [one["service"] for one in new]


def claim(connection: Connection, *, owner: str, now: datetime, lease: timedelta) -> list[Cursor]:
    """Renew `owner`'s leases up to its share of the services, take lapsed ones up to it and
    let go of the rest; the cursors it holds now."""
    _alive(connection, owner=owner, until=now + lease, now=now)
    miners = connection.execute(
        select(func.count()).where(pattern_processes.c.alive_until > now)
    ).scalar_one()
    rows = connection.execute(select(pattern_cursors).order_by(pattern_cursors.c.service)).all()
    share = ceil(len(rows) / max(miners, 1))
    held = [row.service for row in rows if row.owner == owner and row.lease_until > now]
    lapsed = [row.service for row in rows if row.lease_until <= now]
    keep, surplus = held[:share], held[share:]
    wanted = sorted(keep + lapsed[: share - len(keep)])
    taken = []
    for service in wanted:  # in name order: two claims never wait on each other in a cycle
        moved = connection.execute(
            update(pattern_cursors)
            .where(pattern_cursors.c.service == service)
            .where((pattern_cursors.c.owner == owner) | (pattern_cursors.c.lease_until <= now))
            .values(owner=owner, lease_until=now + lease)
        )
        if moved.rowcount == 1:
            taken.append(service)
    if surplus:
        _let_go(connection, owner=owner, services=surplus, now=now)
    by_name = {row.service: row for row in rows}
    return [_cursor(by_name[service]) for service in taken]


def release(connection: Connection, *, owner: str, now: datetime) -> None:
    """End `owner`'s leases now, so that other miners take its services without waiting."""
    connection.execute(
        update(pattern_cursors).where(pattern_cursors.c.owner == owner).values(lease_until=now)
    )
    connection.execute(delete(pattern_processes).where(pattern_processes.c.owner == owner))


def move(connection: Connection, *, started: Cursor, reached: Cursor) -> None:
    """Store a service's new place; LostCursor when it is no longer where `started` was."""
    after_tx, after_id = reached.after or (None, None)
    moved = connection.execute(
        update(pattern_cursors)
        .where(pattern_cursors.c.service == started.service)
        .where(pattern_cursors.c.version == started.version)
        .values(
            version=started.version + 1,
            since=str(reached.since),
            upto=str(reached.upto),
            after_tx=after_tx,
            after_id=after_id,
        )
    )
    if moved.rowcount != 1:
        raise LostCursor


def _alive(connection: Connection, *, owner: str, until: datetime, now: datetime) -> None:
    """Say `owner` mines until `until`; forget miners long gone."""
    statement = dialect_insert(connection, pattern_processes).values(owner=owner, alive_until=until)
    connection.execute(
        statement.on_conflict_do_update(index_elements=["owner"], set_={"alive_until": until})
    )
    gone = select(pattern_processes.c.owner).where(
        pattern_processes.c.alive_until < now - (until - now) * 10
    )
    if connection.dialect.name == "postgresql":  # rows other claims hold are theirs to renew
        gone = gone.with_for_update(skip_locked=True)
    connection.execute(delete(pattern_processes).where(pattern_processes.c.owner.in_(gone)))


def _let_go(connection: Connection, *, owner: str, services: list[str], now: datetime) -> None:
    connection.execute(
        update(pattern_cursors)
        .where(pattern_cursors.c.owner == owner, pattern_cursors.c.service.in_(services))
        .values(lease_until=now)
    )


def _cursor(row: Row[Any]) -> Cursor:
    after = None if row.after_tx is None else (row.after_tx, row.after_id)
    return Cursor(
        row.service, row.version, Snapshot.parse(row.since), Snapshot.parse(row.upto), after
    )
