"""The engine and the one way to run database work off the event loop, every wait bounded."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import nullcontext
from functools import partial
from typing import Any, TypeVar

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from db import metadata
from db.loop_writes import LoopWrites
from db.matching import sqlite_metadata_function, sqlite_metadata_value
from db.positions import PRIMARY_POSITION, primary_position
from db.replicas import ReplicaEngines, ReplicaSet, ReplicaSettings, shown_url
from db.text import sqlite_regexp
from db.threads import Workers
from db.timeouts import (
    REQUESTS,
    TOOLS,
    Timeouts,
    interrupt_slow_statements,
    is_sqlite_locked,
    is_statement_timeout,
    postgres_connect_args,
)

T = TypeVar("T")
PROBE_SECONDS = 1.0  # how long a readiness probe waits
MAX_THREADS = 100  # database calls running at once, abandoned ones included
POOL_SIZE = 10  # connections kept open by each pool
NO_REPLICAS = ReplicaSettings()
REPLICA_READS = "lograph-replica-reads"  # application_name of the replicas' connections
REPLICA_PROBES = "lograph-replica-probes"


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _json_loads(text: str | bytes) -> Any:
    """Stored JSON as Python values that always encode again: JSONB keeps `1e20` as the integer
    100000000000000000000, which orjson reads back as the float it was, never as an int beyond
    64 bits that no encoder accepts."""
    return orjson.loads(text)


def make_engine(
    url: str,
    *,
    autocommit: bool = False,
    timeouts: Timeouts = TOOLS,
    application_name: str | None = None,
) -> Engine:
    """An engine tuned for the backend: WAL and a busy timeout on SQLite, a pool on PostgreSQL.

    No pre-ping: it costs a round trip per query; `Database` retries a read once instead
    when a pooled connection turns out dead.
    """
    json = {"json_serializer": _json_dumps, "json_deserializer": _json_loads}
    if url.startswith("sqlite"):
        engine = create_engine(
            url, **json, pool_timeout=timeouts.pool, connect_args={"check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        if timeouts.statement:
            interrupt_slow_statements(engine, seconds=timeouts.statement)
        return engine
    isolation = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    named = {"application_name": application_name} if application_name else {}
    return create_engine(
        url,
        **json,
        pool_size=POOL_SIZE,
        max_overflow=10,
        pool_timeout=timeouts.pool,
        connect_args=postgres_connect_args(timeouts) | named,
        **isolation,
    )


def _replica(url: str, timeouts: Timeouts) -> ReplicaEngines:
    """A replica's pools: autocommit reads, and its probes apart (a busy read pool must not
    make it look down), each named in the replica's pg_stat_activity."""
    reads, probes = (
        make_engine(url, autocommit=True, timeouts=timeouts, application_name=name)
        for name in (REPLICA_READS, REPLICA_PROBES)
    )
    return ReplicaEngines(name=shown_url(url), reads=reads, probes=probes)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Tuning, and the functions SQLite lacks: REGEXP and lograph's metadata test."""
    dbapi_connection.create_function("regexp", 2, sqlite_regexp, deterministic=True)
    dbapi_connection.create_function(
        metadata.SQLITE_FUNCTION, 4, sqlite_metadata_function, deterministic=True
    )
    dbapi_connection.create_function(
        metadata.SQLITE_VALUE_FUNCTION, 2, sqlite_metadata_value, deterministic=True
    )
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class DatabaseUnavailable(Exception):
    """The database cannot be reached or is saturated (as opposed to a query that failed in it).

    `detail` is safe to show clients; the message, for logs, may say more.
    """

    def __init__(
        self, reason: str, *, detail: str = "Database unavailable", stale_connection: bool = False
    ) -> None:
        super().__init__(reason)
        self.detail = detail
        self.stale_connection = stale_connection


def _no_answer(seconds: float) -> DatabaseUnavailable:
    detail = f"Database did not answer within {seconds:g} s"
    return DatabaseUnavailable(f"no answer within {seconds:g} s", detail=detail)


def _give_up(pending: asyncio.Future[Any], seconds: float) -> None:
    """The caller stops waiting (the worker finds the future settled and drops its result)."""
    if not pending.done():
        pending.set_exception(_no_answer(seconds))


class QueryTimeout(Exception):
    """The database cancelled a statement that ran past the statement timeout."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"Query timed out after {seconds:g} s; narrow the filter")

    @property
    def extensions(self) -> dict[str, Any]:
        """GraphQL's `extensions` (graphql-core copies them from the original error)."""
        return {"code": "TIMEOUT"}


class Database:
    """Owns the engines; every query goes through a read or a write method, in a worker thread.

    Each call waits at most `timeouts.wait` seconds in all, then raises DatabaseUnavailable
    and abandons its thread (see `_in_thread`). Reads are routed here and nowhere else: `read`
    to a replica that has every acknowledged write (db/replicas.py), `read_primary` to the
    primary for what must see it (alert evaluation, claims, the live tail's reader, maintenance).
    """

    def __init__(
        self,
        url: str,
        *,
        timeouts: Timeouts = REQUESTS,
        fast_path: bool = True,
        replicas: ReplicaSettings = NO_REPLICAS,
    ) -> None:
        self.timeouts = timeouts
        self.engine = make_engine(url, timeouts=timeouts)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # Reads run outside transactions on PostgreSQL: no BEGIN and ROLLBACK round trips.
        self._reader = (
            self.engine if self.is_sqlite else make_engine(url, autocommit=True, timeouts=timeouts)
        )
        self._closed = False
        for engine in self.engines:
            event.listen(engine, "checkin", self._close_when_closed)
        # SQLite allows one writer; queueing here beats retrying on SQLITE_BUSY.
        self._write_lock = threading.Lock() if self.is_sqlite else None
        # Its own threads rather than anyio's: the hop to a thread and back is most of the
        # overhead of a quick read (db/threads.py).
        self._threads = Workers(MAX_THREADS, name="lograph-db")
        # The quickest writes skip the hop altogether on PostgreSQL (db/loop_writes.py), unless
        # DATABASE_FAST_PATH=false: then every statement runs in a worker thread.
        self.loop_writes = (
            None
            if self.is_sqlite or not fast_path
            else LoopWrites(self.engine.url, size=POOL_SIZE, timeouts=timeouts)
        )
        self.replicas = (
            None
            if self.is_sqlite or not replicas.urls
            else ReplicaSet(
                [_replica(url, timeouts) for url in replicas.urls],
                settings=replicas,
                primary_position=self._primary_position,
                run=self._run_on,
            )
        )

    @property
    def engines(self) -> tuple[Engine, ...]:
        """Both pools: transactions' and autocommit reads' (one engine on SQLite)."""
        return (self.engine,) if self._reader is self.engine else (self.engine, self._reader)

    async def read(self, work: Callable[[Connection], T]) -> T:
        """Run read-only work in the thread pool, on a replica that has replayed every write
        acknowledged before this call when one has (or soon does), else on the primary. A
        replica that fails the read is skipped from then on and the primary answers instead."""
        replica = None if self.replicas is None else await self.replicas.caught_up()
        if replica is None:
            return await self.read_primary(work)
        try:
            return await self._in_thread(
                partial(self._once_more_if_stale, work, engine=replica.reads, transaction=False)
            )
        except DatabaseUnavailable as error:
            replica.failed(error)
        except DBAPIError:  # e.g. cancelled by a conflict with replay, which the primary lacks
            pass
        return await self.read_primary(work)

    async def read_primary(self, work: Callable[[Connection], T]) -> T:
        """Run read-only work in the thread pool, on the primary."""
        return await self._in_thread(partial(self._read, work))

    async def write(self, work: Callable[[Connection], T]) -> T:
        """Run work in one transaction in the thread pool: all of it commits or none."""
        return await self._in_thread(partial(self._write, work))

    async def write_statement(self, work: Callable[[Connection], T]) -> T:
        """Run work that is a single statement, atomic by itself; on PostgreSQL this skips
        the BEGIN and COMMIT round trips that `write` costs."""
        if self.is_sqlite:
            return await self.write(work)
        return await self._in_thread(
            partial(self._attempt, work, engine=self._reader, transaction=False)
        )

    async def loop_rows(self, sql: str, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        """The rows of one statement, atomic by itself, awaited on the loop (PostgreSQL only;
        `loop_writes` is None on SQLite)."""
        assert self.loop_writes is not None
        seconds = self.timeouts.wait
        try:
            async with asyncio.timeout(seconds):
                return await self.loop_writes.rows(sql, params)
        except TimeoutError:
            raise _no_answer(seconds) from None
        except PoolTimeout as exc:
            raise self._no_free_connection(exc) from exc
        except DBAPIError as exc:
            self._raise_known(exc, before_commit=False)
            raise

    async def ping(self) -> None:
        """Raise unless the database answers a trivial query within PROBE_SECONDS."""
        select_one = partial(self._read, lambda connection: connection.execute(text("SELECT 1")))
        await self._in_thread(select_one, seconds=PROBE_SECONDS)

    def close(self) -> None:
        self._closed = True
        if self.replicas is not None:
            self.replicas.close()
        if self.loop_writes is not None:
            self.loop_writes.close()
        self._threads.shutdown()
        self.engine.dispose()
        self._reader.dispose()

    def _close_when_closed(self, dbapi_connection: Any, _record: Any) -> None:
        """A call abandoned to its thread, or one that outlived the task that started it (a
        maintenance pass at shutdown), hands its connection back after `close`: closed then,
        not kept open in the disposed pool until the garbage collector finds it."""
        if self._closed and dbapi_connection is not None:
            dbapi_connection.close()

    async def _in_thread(self, call: Callable[[], T], *, seconds: float | None = None) -> T:
        """Run `call` in a worker thread, waiting at most `seconds` (default `timeouts.wait`).

        After that the caller gets DatabaseUnavailable and the thread is abandoned, not stopped:
        it runs on until the database answers or a database-side bound (statement timeout,
        connect timeout, keepalives) ends it. An abandoned read is dropped. An abandoned write
        may still commit after the client heard 503: its outcome is unknown to the client, a
        retry may write the logs twice, and the write hook never hears of it (the periodic
        alert check counts them). At most MAX_THREADS calls run at once, abandoned ones
        included; the rest wait their turn within the same bound, so a frozen database cannot
        pile up threads without end.
        """
        seconds = self.timeouts.wait if seconds is None else seconds
        # In a copy of the caller's context: log lines in the thread name the request.
        pending = self._threads.submit(call, contextvars.copy_context())
        # A timer settles the call's future when the wait is over: asyncio.timeout cost twice
        # as much for every call, which is a database call of every request.
        timer = asyncio.get_running_loop().call_later(seconds, _give_up, pending, seconds)
        try:
            return await pending
        finally:
            timer.cancel()

    async def _primary_position(self) -> int:
        """The primary's WAL position, awaited on the loop when the fast path allows."""
        if self.loop_writes is None:
            return await self._run_on(self._reader, primary_position, seconds=self.timeouts.wait)
        ((position,),) = await self.loop_rows(PRIMARY_POSITION, {})
        return int(position)

    def _run_on(
        self, engine: Engine, work: Callable[[Connection], T], *, seconds: float
    ) -> Awaitable[T]:
        """`work` on one of `engine`'s connections, outside a transaction, within `seconds`."""
        attempt = partial(self._attempt, work, engine=engine, transaction=False)
        return self._in_thread(attempt, seconds=seconds)

    def _read(self, work: Callable[[Connection], T]) -> T:
        return self._once_more_if_stale(work, engine=self._reader, transaction=False)

    def _write(self, work: Callable[[Connection], T]) -> T:
        with self._write_lock or nullcontext():
            return self._once_more_if_stale(work, engine=self.engine, transaction=True)

    def _once_more_if_stale(
        self, work: Callable[[Connection], T], *, engine: Engine, transaction: bool
    ) -> T:
        """Reads, and transactions that failed before COMMIT, applied nothing: a pooled
        connection found dead (the database restarted) is replaced and the work repeated."""
        try:
            return self._attempt(work, engine=engine, transaction=transaction)
        except DatabaseUnavailable as exc:
            if not exc.stale_connection:
                raise
            return self._attempt(work, engine=engine, transaction=transaction)

    def _attempt(self, work: Callable[[Connection], T], *, engine: Engine, transaction: bool) -> T:
        with self._connect(engine) as connection:
            try:
                with connection.begin() if transaction else nullcontext():
                    try:
                        return work(connection)
                    except DBAPIError as exc:
                        self._raise_known(exc, before_commit=True)
                        raise
            except DBAPIError as exc:  # at COMMIT: whether it was applied is unknown
                self._raise_known(exc, before_commit=False)
                raise

    def _raise_known(self, exc: DBAPIError, *, before_commit: bool) -> None:
        """A statement timeout or a dead connection as the errors the surfaces know."""
        if is_statement_timeout(exc):
            raise QueryTimeout(self.timeouts.statement) from exc
        if exc.connection_invalidated:
            raise DatabaseUnavailable(str(exc.orig), stale_connection=before_commit) from exc
        if is_sqlite_locked(exc):  # another process held the write lock past busy_timeout
            raise DatabaseUnavailable(
                str(exc.orig), detail="Database busy: locked by another writer"
            ) from exc

    def _no_free_connection(self, exc: PoolTimeout) -> DatabaseUnavailable:
        detail = f"Database busy: no connection free within {self.timeouts.pool:g} s"
        return DatabaseUnavailable(str(exc), detail=detail)

    def _connect(self, engine: Engine) -> Connection:
        try:
            connection = engine.connect()
        except PoolTimeout as exc:
            raise self._no_free_connection(exc) from exc
        except DBAPIError as exc:
            raise DatabaseUnavailable(str(exc.orig)) from exc
        return connection
