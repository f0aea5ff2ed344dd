"""Scratch PostgreSQL databases on the local server, created and always dropped."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass

import psycopg2
from psycopg2.extensions import connection as PgConnection

SERVER_DSN = "postgresql://postgres@127.0.0.1:5432"
ADMIN_DATABASE = "test"


@dataclass(frozen=True, slots=True)
class ScratchDatabase:
    name: str

    @property
    def dsn(self) -> str:
        """The libpq URL, for psycopg2."""
        return f"{SERVER_DSN}/{self.name}"

    @property
    def sqlalchemy_url(self) -> str:
        """The URL the app reads from DATABASE_URL."""
        return f"postgresql+psycopg2://{self.dsn.removeprefix('postgresql://')}"

    def connect(self) -> PgConnection:
        return psycopg2.connect(self.dsn)


def _admin_connection() -> closing[PgConnection]:
    connection = psycopg2.connect(f"{SERVER_DSN}/{ADMIN_DATABASE}")
    connection.autocommit = True  # CREATE and DROP DATABASE refuse to run in a transaction
    return closing(connection)


def _admin(sql: str) -> None:
    with _admin_connection() as connection, connection.cursor() as cursor:
        cursor.execute(sql)


@contextmanager
def scratch_database(prefix: str) -> Iterator[ScratchDatabase]:
    """A new empty database named `<prefix>_<random>`, dropped (connections and all) on exit."""
    database = ScratchDatabase(f"{prefix}_{secrets.token_hex(6)}")
    _admin(f'CREATE DATABASE "{database.name}"')
    try:
        yield database
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


def kept_database(name: str) -> ScratchDatabase:
    """The database `name`, created if missing and never dropped here (a bench measures it
    again without loading it again; whoever named it drops it)."""
    with _admin_connection() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    return ScratchDatabase(name)


def server_version() -> str:
    """PostgreSQL's version string, for the results file."""
    with _admin_connection() as connection:
        return str(connection.server_version)
