"""The engine and the one way to run database work off the event loop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any, TypeVar

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

T = TypeVar("T")


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _json_loads(text: str | bytes) -> Any:
    """Stored JSON as Python values that always encode again: JSONB keeps `1e20` as the integer
    100000000000000000000, which orjson reads back as the float it was, never as an int beyond
    64 bits that no encoder accepts."""
    return orjson.loads(text)


def make_engine(url: str, *, autocommit: bool = False) -> Engine:
    """An engine tuned for the backend: WAL and a busy timeout on SQLite, a pool on PostgreSQL.

    No pre-ping: it costs a round trip per query; `Database` retries a read once instead
    when a pooled connection turns out dead.
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            json_serializer=_json_dumps,
            json_deserializer=_json_loads,
            connect_args={"check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    isolation = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    return create_engine(
        url,
        json_serializer=_json_dumps,
        json_deserializer=_json_loads,
        pool_size=10,
        max_overflow=10,
        **isolation,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class DatabaseUnavailable(Exception):
    """The database cannot be reached (as opposed to a query that failed in it)."""

    def __init__(self, reason: str, *, stale_connection: bool = False) -> None:
        super().__init__(reason)
        self.stale_connection = stale_connection


class Database:
    """Owns the engines; every query goes through `read` or a write method, in a worker thread."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # Reads run outside transactions on PostgreSQL: no BEGIN and ROLLBACK round trips.
        self._reader = self.engine if self.is_sqlite else make_engine(url, autocommit=True)
        # SQLite allows one writer; queueing here beats retrying on SQLITE_BUSY.
        self._write_lock = threading.Lock() if self.is_sqlite else None

    @property
    def engines(self) -> tuple[Engine, ...]:
        """Both pools: transactions' and autocommit reads' (one engine on SQLite)."""
        return (self.engine,) if self._reader is self.engine else (self.engine, self._reader)

    async def read(self, work: Callable[[Connection], T]) -> T:
        """Run read-only work in the thread pool."""
        return await run_in_threadpool(self._read, work)

    async def write(self, work: Callable[[Connection], T]) -> T:
        """Run work in one transaction in the thread pool: all of it commits or none."""
        return await run_in_threadpool(self._write, work)

    async def write_statement(self, work: Callable[[Connection], T]) -> T:
        """Run work that is a single statement, atomic by itself; on PostgreSQL this skips
        the BEGIN and COMMIT round trips that `write` costs."""
        if self.is_sqlite:
            return await self.write(work)
        return await run_in_threadpool(self._attempt, work, engine=self._reader, transaction=False)

    def _read(self, work: Callable[[Connection], T]) -> T:
        try:
            return self._attempt(work, engine=self._reader, transaction=False)
        except DatabaseUnavailable as exc:
            if not exc.stale_connection:
                raise
            # Reads are safe to repeat on a fresh connection.
            return self._attempt(work, engine=self._reader, transaction=False)

    def _write(self, work: Callable[[Connection], T]) -> T:
        with self._write_lock or nullcontext():
            return self._attempt(work, engine=self.engine, transaction=True)

    def _attempt(self, work: Callable[[Connection], T], *, engine: Engine, transaction: bool) -> T:
        with _connect(engine) as connection:
            try:
                with connection.begin() if transaction else nullcontext():
                    return work(connection)
            except DBAPIError as exc:
                if exc.connection_invalidated:
                    raise DatabaseUnavailable(str(exc.orig), stale_connection=True) from exc
                raise

    async def ping(self) -> None:
        """Raise unless the database answers a trivial query."""
        await self.read(lambda connection: connection.execute(text("SELECT 1")))

    def close(self) -> None:
        self.engine.dispose()
        self._reader.dispose()


def _connect(engine: Engine) -> Connection:
    try:
        return engine.connect()
    except DBAPIError as exc:
        raise DatabaseUnavailable(str(exc.orig)) from exc
