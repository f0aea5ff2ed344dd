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


def make_engine(url: str, *, autocommit: bool = False) -> Engine:
    """An engine tuned for the backend: WAL and a busy timeout on SQLite, a pool on PostgreSQL.

    No pre-ping: it costs a round trip per query; `Database` retries a read once instead
    when a pooled connection turns out dead.
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url, json_serializer=_json_dumps, connect_args={"check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    isolation = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    return create_engine(
        url, json_serializer=_json_dumps, pool_size=10, max_overflow=10, **isolation
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
    """Owns the engine; every query goes through `read` or `write` in a worker thread."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # Reads run outside transactions on PostgreSQL: no BEGIN and ROLLBACK round trips.
        self._reader = self.engine if self.is_sqlite else make_engine(url, autocommit=True)
        # SQLite allows one writer; queueing here beats retrying on SQLITE_BUSY.
        self._write_lock = threading.Lock() if self.is_sqlite else None

    async def read(self, work: Callable[[Connection], T]) -> T:
        """Run read-only work in the thread pool."""
        return await run_in_threadpool(self._run, work, False)

    async def write(self, work: Callable[[Connection], T]) -> T:
        """Run work in one transaction in the thread pool: all of it commits or none."""
        return await run_in_threadpool(self._run, work, True)

    def _run(self, work: Callable[[Connection], T], write: bool) -> T:
        if write:
            return self._attempt(work, write=True)
        try:
            return self._attempt(work, write=False)
        except DatabaseUnavailable as exc:
            if not exc.stale_connection:
                raise
            return self._attempt(work, write=False)  # reads are safe to repeat on a fresh one

    def _attempt(self, work: Callable[[Connection], T], *, write: bool) -> T:
        lock = self._write_lock if write and self._write_lock else nullcontext()
        engine = self.engine if write else self._reader
        with lock, _connect(engine) as connection:
            try:
                with connection.begin() if write else nullcontext():
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
