"""Migration 0005 on PostgreSQL: GIN indexes, and an upgrade that goes on without pg_trgm."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, inspect, select, text

from db.engine import make_engine
from db.logs import LOG_COLUMNS, LogCriteria, filtered
from db.migrate import upgrade_database
from db.search_indexes import TRIGRAM_INDEX, warn_when_text_search_scans
from testing.services import scratch_postgres_database

pytestmark = pytest.mark.postgres


@contextmanager
def engine_as(url: str, role: str | None) -> Iterator[Engine]:
    engine = make_engine(url if role is None else url.replace("//postgres@", f"//{role}@"))
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def role_without_database_create(url: str) -> Iterator[str]:
    """A login role that may create tables but not extensions (no CREATE on the database)."""
    role = f"lograph_q8_{secrets.token_hex(4)}"
    with engine_as(url, None) as admin, admin.begin() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
        connection.execute(text(f"GRANT CREATE ON SCHEMA public TO {role}"))
    try:
        yield role
    finally:
        with engine_as(url, None) as admin, admin.begin() as connection:
            connection.execute(text(f"DROP OWNED BY {role}"))
            connection.execute(text(f"DROP ROLE {role}"))


def index_names(engine: Engine) -> set[str]:
    return {str(index["name"]) for index in inspect(engine).get_indexes("logs")}


@pytest.mark.slow
def test_upgrade_builds_both_gin_indexes() -> None:
    with scratch_postgres_database() as url, engine_as(url, None) as engine:
        upgrade_database(engine)
        assert {"ix_logs_metadata", TRIGRAM_INDEX} <= index_names(engine)
        assert warn_when_text_search_scans(engine) is True


@pytest.mark.slow
def test_without_pg_trgm_the_upgrade_goes_on_warns_and_text_filters_scan(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        scratch_postgres_database() as url,
        role_without_database_create(url) as role,
        engine_as(url, role) as engine,
    ):
        upgrade_database(engine)
        assert "ix_logs_metadata" in index_names(engine)
        assert TRIGRAM_INDEX not in index_names(engine)
        caplog.clear()
        assert warn_when_text_search_scans(engine) is False
        assert [r.levelname for r in caplog.records if TRIGRAM_INDEX in r.getMessage()] == [
            "WARNING"
        ]
        criteria = LogCriteria(message_contains="x", message_matches="y+")
        with engine.connect() as connection:
            assert connection.execute(filtered(select(*LOG_COLUMNS), criteria)).all() == []
