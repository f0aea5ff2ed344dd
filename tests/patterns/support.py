"""Helpers for the pattern tests: apps on one database, mining on demand, what was stored."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, text

from core.pattern_miner import PatternMiner
from main import create_app
from tests.conftest import app_settings

# Mining only when a test says so; a lease that lapses at once, so that apps take turns.
MANUAL: dict[str, Any] = {"enable_alerts": False, "enable_patterns": False}


@contextmanager
def app_on(database_url: str, **overrides: Any) -> Iterator[TestClient]:
    """A running app on `database_url` (a process of its own, as far as mining goes)."""
    app = create_app(app_settings(database_url=database_url, **{**MANUAL, **overrides}))
    with TestClient(app) as client:
        yield client


def miner(client: TestClient) -> PatternMiner:
    found: PatternMiner = client.app.state.pattern_miner  # type: ignore[attr-defined]
    return found


def catch_up(client: TestClient) -> None:
    """Mine until every log written so far has its pattern."""
    client.portal.call(miner(client).catch_up)  # type: ignore[union-attr]


def query(client: TestClient, sql: str) -> list[Any]:
    """Rows of a statement on the app's database (to compare with a direct count)."""
    engine = client.app.state.runtime.db.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return list(connection.execute(text(sql)))


def templates_of(client: TestClient) -> dict[int, tuple[str, str]]:
    """Every pattern: id to (service, template)."""
    rows = query(client, "SELECT id, service, template FROM patterns")
    return {row.id: (row.service, row.template) for row in rows}


def assignments(client: TestClient) -> dict[str, str]:
    """Each log's message to its pattern's template."""
    rows = query(
        client,
        "SELECT l.message, p.template FROM logs l JOIN log_patterns a ON a.log_id = l.id"
        " JOIN patterns p ON p.id = a.pattern_id",
    )
    return {row.message: row.template for row in rows}


@contextmanager
def statements(client: TestClient) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs meanwhile (to count a request's queries)."""
    engines = client.app.state.runtime.db.engines  # type: ignore[attr-defined]
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])  # (connection, cursor, statement, parameters, context, many)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
