"""One statement on PostgreSQL awaited on the event loop, through psycopg2's asynchronous mode.

A single log written through a worker thread cost more than twice the CPU of the same INSERT
awaited here (bench/README): the hop to the thread and back, its wake-ups and the GIL's
hand-overs were most of it. So the quickest writes (one
statement, atomic by itself, autocommitted as psycopg2's asynchronous mode always is) run on
the loop, with the bounds the thread path has: a free connection within `timeouts.pool` (else
SQLAlchemy's pool TimeoutError, as its pools raise), the statement timeout and libpq's
keepalives set as each connection opens, and, in db.engine, the whole call within
`timeouts.wait` (which also bounds connecting: libpq ignores connect_timeout in asynchronous
mode). Driver errors are raised as SQLAlchemy's DBAPIError, which db.engine sorts as for any
statement. A connection
whose call failed or was cut short is closed, never pooled again; on a lost connection every
idle one is closed too, as they died with the server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import psycopg2
import psycopg2.extensions
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from db.timeouts import Timeouts, postgres_connect_args

Connection: TypeAlias = Any  # psycopg2's connection, in asynchronous mode (no type stubs)


class LoopWrites:
    """At most `size` asynchronous connections, opened as calls need them; used from one loop."""

    def __init__(self, url: URL, *, size: int, timeouts: Timeouts) -> None:
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._connect_args = postgres_connect_args(timeouts)
        self._pool_seconds = timeouts.pool
        self._slots = asyncio.Semaphore(size)
        self._idle: list[Connection] = []

    async def rows(self, sql: str, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        """The rows the statement returns."""
        await self._take_slot()
        try:
            return await self._run(sql, params)
        finally:
            self._slots.release()

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()

    async def _take_slot(self) -> None:
        if not self._slots.locked():  # a free slot is taken without waiting: no timer needed
            await self._slots.acquire()
            return
        try:
            async with asyncio.timeout(self._pool_seconds):
                await self._slots.acquire()
        except TimeoutError:
            raise PoolTimeout(f"no connection free within {self._pool_seconds:g} s") from None

    async def _run(self, sql: str, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        connection = self._idle.pop() if self._idle else await self._connect()
        reusable = False
        try:
            cursor = connection.cursor()
            cursor.execute(sql, params)
            await _ready(connection)
            rows: Sequence[Sequence[Any]] = cursor.fetchall()
            cursor.close()
        except psycopg2.Error as error:
            # A server-side error carries a SQLSTATE; a lost connection none.
            lost = connection.closed != 0 or getattr(error, "pgcode", None) is None
            if lost:
                self.close()
            raise _wrapped(error, sql, params, lost=lost) from error
        else:
            reusable = True
            return rows
        finally:  # failed, cancelled or timed out mid-call: its state is unknown
            if reusable:
                self._idle.append(connection)
            else:
                connection.close()

    async def _connect(self) -> Connection:
        try:
            connection = psycopg2.connect(self._dsn, async_=1, **self._connect_args)
            try:
                await _ready(connection)
            except BaseException:
                connection.close()
                raise
        except psycopg2.Error as error:
            raise _wrapped(error, "connect", {}, lost=True) from error
        return connection


async def _ready(connection: Connection) -> None:
    """Wait on the loop until the connection has done what it was asked (psycopg2's poll)."""
    loop = asyncio.get_running_loop()
    while (state := connection.poll()) != psycopg2.extensions.POLL_OK:
        descriptor = connection.fileno()
        waiter: asyncio.Future[None] = loop.create_future()
        reading = state == psycopg2.extensions.POLL_READ
        if reading:
            loop.add_reader(descriptor, _wake, waiter)
        else:
            loop.add_writer(descriptor, _wake, waiter)
        try:
            await waiter
        finally:
            if reading:
                loop.remove_reader(descriptor)
            else:
                loop.remove_writer(descriptor)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _wrapped(
    error: psycopg2.Error, sql: str, params: Mapping[str, Any], *, lost: bool
) -> DBAPIError:
    wrapped: DBAPIError = DBAPIError.instance(
        sql, params, error, psycopg2.Error, connection_invalidated=lost
    )
    return wrapped
