"""WAL positions: how far the primary has written and how far a replica has replayed.

A commit acknowledged to a client (lograph commits synchronously, PostgreSQL's default) ends
at or before the primary's `pg_current_wal_lsn()` read after it; a replica whose
`pg_last_wal_replay_lsn()` has reached that position shows the commit to every new snapshot.
Both are byte positions, compared as integers.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Connection

T = TypeVar("T")
PRIMARY_POSITION = "SELECT (pg_current_wal_lsn() - '0/0')::bigint"
# NULL on a server that is not in recovery: a primary named as a replica by mistake. The age of
# the last commit replayed (by the primary's clock against the replica's) bounds its lag.
REPLAYED_POSITION = (
    "SELECT (pg_last_wal_replay_lsn() - '0/0')::bigint,"
    " extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8"
)


@dataclass(frozen=True, slots=True)
class Replay:
    position: int  # how far the replica has replayed
    commit_age: float  # seconds since the last commit it replayed was made (inf: none yet)


def primary_position(connection: Connection) -> int:
    """The primary's WAL write position."""
    return int(connection.exec_driver_sql(PRIMARY_POSITION).scalar_one())


def replayed_position(connection: Connection) -> Replay | None:
    """How far this replica has replayed, or None when the server is no replica."""
    position, age = connection.exec_driver_sql(REPLAYED_POSITION).one()
    if position is None:
        return None
    return Replay(int(position), math.inf if age is None else float(age))


class Fresh(Generic[T]):
    """A value fetched by a call that began after the caller asked.

    Callers that arrive while a fetch is out share the next one, which starts when that one
    ends: a burst of N concurrent reads costs two fetches, not N, and none of them is handed a
    value older than its own request.
    """

    def __init__(self, fetch: Callable[[], Awaitable[T]]) -> None:
        self._fetch = fetch
        self._sent: asyncio.Future[T] | None = None
        self._queued: asyncio.Future[T] | None = None

    async def get(self) -> T:
        if self._queued is None:
            queued = self._queued = asyncio.ensure_future(self._next(self._sent))
            queued.add_done_callback(_retrieve)
        # Shielded: a caller that stops waiting leaves the fetch to those still waiting.
        return await asyncio.shield(self._queued)

    async def _next(self, before: asyncio.Future[T] | None) -> T:
        if before is not None:
            await asyncio.wait([before])
        self._sent, self._queued = self._queued, None
        return await self._fetch()


def _retrieve(future: asyncio.Future[T]) -> None:
    """Mark a failure seen: its waiters may all have stopped waiting."""
    if not future.cancelled():
        future.exception()
