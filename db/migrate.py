"""Schema upgrades at start-up: every worker may call them, one at a time does the work."""

from __future__ import annotations

import fcntl
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from db.engine import make_engine
from db.timeouts import STATEMENT_TIMEOUT
from settings import get_settings

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"
# Fixed key for pg_advisory_lock: the ASCII bytes of "lograph1" as one signed 64-bit number.
MIGRATION_LOCK_KEY = int.from_bytes(b"lograph1", "big")
# Alembic's `context` and `op` proxies are process globals: one upgrade per process at a time.
_in_process_lock = threading.Lock()


def upgrade_database(engine: Engine) -> None:
    """Apply pending migrations, so the app never runs against an older schema."""
    if _at_head(engine):
        return
    with (
        _in_process_lock,
        engine.connect() as connection,
        _without_statement_timeout(connection),
        _migration_lock(connection),
        connection.begin(),  # after the lock, so the transaction sees the winner's schema
    ):
        command.upgrade(_alembic_config(connection), "head")


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, for start-up logs and checks."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _at_head(engine: Engine) -> bool:
    """Whether nothing is pending: one read of the version table, where Alembic's own no-op
    upgrade would load every migration script and run env.py again on each start."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return set(current) == set(_script_heads())


@functools.cache
def _script_heads() -> tuple[str, ...]:
    """The migrations' heads, read once per process: the scripts do not change under it."""
    return tuple(ScriptDirectory.from_config(Config(str(ALEMBIC_INI))).get_heads())


def _alembic_config(connection: Connection) -> Config:
    """Alembic's settings from alembic.ini, told to run on our connection."""
    config = Config(str(ALEMBIC_INI))
    config.attributes["connection"] = connection
    return config


@contextmanager
def _migration_lock(connection: Connection) -> Iterator[None]:
    """Serialise workers starting together: an advisory lock on PostgreSQL, a lock file beside
    the database on SQLite (uvicorn's workers on one fresh file would race to create tables)."""
    if connection.dialect.name != "postgresql":
        with _sqlite_file_lock(connection.engine.url.database):
            yield
        return
    _run_and_commit(connection, "SELECT pg_advisory_lock(:key)")
    try:
        yield
    finally:
        _run_and_commit(connection, "SELECT pg_advisory_unlock(:key)")


@contextmanager
def _sqlite_file_lock(database: str | None) -> Iterator[None]:
    """An exclusive flock on `<database>.migrate-lock`; nothing to lock for in-memory ones."""
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


@contextmanager
def _without_statement_timeout(connection: Connection) -> Iterator[None]:
    """Migrations, and waiting for another worker's, may take longer than any request may."""
    if connection.dialect.name != "postgresql":
        connection.info[STATEMENT_TIMEOUT] = 0
        try:
            yield
        finally:
            connection.info.pop(STATEMENT_TIMEOUT, None)
        return
    _run_and_commit(connection, "SET statement_timeout = 0")
    try:
        yield
    finally:
        _run_and_commit(connection, "RESET statement_timeout")


def _run_and_commit(connection: Connection, sql: str) -> None:
    """Session-level calls must not leave a transaction open around the migration."""
    connection.execute(text(sql), {"key": MIGRATION_LOCK_KEY} if ":key" in sql else {})
    connection.commit()


def main() -> None:
    """`python -m db.migrate`: upgrade the database named by settings and say where it is."""
    engine = make_engine(get_settings().database_url)
    try:
        upgrade_database(engine)
        print(
            f"lograph: {engine.url.render_as_string(hide_password=True)} "
            f"is at revision {current_revision(engine)}"
        )
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
