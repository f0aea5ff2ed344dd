"""A slow query runs in the thread pool while the event loop keeps answering."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from db.engine import Database
from main import create_app
from tests.conftest import app_settings

SLOW_SECONDS = 2.0


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """No timeout cuts the slow query short, however loaded the machine."""
    return {"enable_alerts": False, "statement_timeout_seconds": 0, "database_wait_seconds": 300}


def slow_query(db: Database) -> Callable[[Connection], object]:
    if db.is_sqlite:
        # About two seconds of work inside SQLite itself.
        sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) "
        sql += "FROM (SELECT i FROM n LIMIT 30000000)"
    else:
        sql = f"SELECT pg_sleep({SLOW_SECONDS})"
    return lambda connection: connection.execute(text(sql)).all()


@pytest.mark.slow
def test_healthz_answers_within_100ms_during_a_slow_query(client: TestClient) -> None:
    db: Database = client.app.state.runtime.db  # type: ignore[attr-defined]
    started = time.perf_counter()
    slow = client.portal.start_task_soon(db.read, slow_query(db))  # type: ignore[union-attr]
    time.sleep(0.2)  # let the query start in its worker thread
    answered_in = []
    for _ in range(3):  # a blocked loop would hold every one of them until the query ends
        before = time.perf_counter()
        assert client.get("/healthz").status_code == 200
        answered_in.append(time.perf_counter() - before)
    assert not slow.done(), "the query was not slow enough to prove anything"
    slow.result(timeout=60)
    assert time.perf_counter() - started > 0.5
    assert min(answered_in) < 0.1, answered_in


def _dependency_calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _dependency_calls(dependency)


def test_no_route_dependency_hops_to_a_thread() -> None:
    """FastAPI runs a plain `def` dependency in anyio's thread pool: a thread hop per request
    for what is a lookup (it was a quarter of a single create's CPU)."""
    routes = iter_route_contexts(create_app(app_settings()).routes)
    dependants: list[tuple[str, Dependant]] = [
        (str(route.path), dependant)
        for route in routes
        if (dependant := getattr(route, "dependant", None)) is not None
    ]
    assert any(path == "/api/v1/logs/" for path, _ in dependants)
    sync_calls = {
        f"{path}: {call.__qualname__}"
        for path, dependant in dependants
        for call in _dependency_calls(dependant)
        if not inspect.iscoroutinefunction(call)
    }
    assert not sync_calls
