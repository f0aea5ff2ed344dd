"""Database-side bounds: PostgreSQL's statement timeout and libpq's connect timeout and
keepalives, set as each connection opens, and SQLite's stand-in for a statement timeout."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError

from settings import Settings

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE when statement_timeout cancels a statement
# libpq: notice a dead peer within about 25 s when idle, 30 s with data unacknowledged.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5}
KEEPALIVES |= {"keepalives_count": 3, "tcp_user_timeout": 30_000}


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long anything may wait on the database, in seconds."""

    statement: float = 10.0  # PostgreSQL cancels a statement running longer; 0: never
    wait: float = 15.0  # a request's whole wait (pool, connect, query); then 503
    pool: float = 5.0  # for a free pooled connection; then 503
    connect: float = 5.0  # libpq's connect_timeout (whole seconds, at least 2)

    @classmethod
    def of(cls, settings: Settings) -> Timeouts:
        return cls(
            statement=settings.statement_timeout_seconds,
            wait=settings.database_wait_seconds,
            pool=settings.database_pool_timeout_seconds,
        )


REQUESTS = Timeouts()  # what the app uses unless settings say otherwise
TOOLS = Timeouts(statement=0)  # migrations and scripts: no statement may be cut short
# On SQLite, `connection.info[STATEMENT_TIMEOUT] = 0` lifts the timeout for that connection.
STATEMENT_TIMEOUT = "lograph.statement_timeout"
DEADLINE = "lograph.deadline"
SQLITE_PROGRESS_STEPS = 1000  # VM steps between two looks (one LIKE step can take 1 ms)


def postgres_connect_args(timeouts: Timeouts) -> dict[str, Any]:
    """Set at connect time, so the database itself cancels a statement that runs too long."""
    args: dict[str, Any] = {"connect_timeout": max(2, math.ceil(timeouts.connect)), **KEEPALIVES}
    if timeouts.statement:
        args["options"] = f"-c statement_timeout={math.ceil(timeouts.statement * 1000)}"
    return args


def interrupt_slow_statements(engine: Engine, *, seconds: float) -> None:
    """SQLite's stand-in for statement_timeout: each statement gets a deadline, and a progress
    handler (run every few thousand VM steps) interrupts it once passed ("interrupted")."""

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        deadline = record.info[DEADLINE] = [math.inf]
        handler = partial(_past, deadline)
        dbapi_connection.set_progress_handler(handler, SQLITE_PROGRESS_STEPS)

    def before_execute(connection: Connection, *_args: Any) -> None:
        allowed = connection.info.get(STATEMENT_TIMEOUT, seconds)
        connection.info[DEADLINE][0] = time.monotonic() + allowed if allowed else math.inf

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "before_cursor_execute", before_execute)


def _past(deadline: list[float]) -> bool:
    return time.monotonic() > deadline[0]


def is_statement_timeout(exc: DBAPIError) -> bool:
    """Whether the statement timeout ended the statement, on either backend."""
    if getattr(exc.orig, "pgcode", None) == QUERY_CANCELED:
        return True
    return _from_sqlite(exc) and str(exc.orig) == "interrupted"


def is_sqlite_locked(exc: DBAPIError) -> bool:
    """Whether SQLite gave up waiting (busy_timeout) for another connection's write lock."""
    return _from_sqlite(exc) and str(exc.orig) == "database is locked"


def _from_sqlite(exc: DBAPIError) -> bool:
    return exc.orig.__class__.__module__ == "sqlite3"
