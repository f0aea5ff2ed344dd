"""Every wait for the database is bounded: statement timeout, pool wait, a frozen or stopped
PostgreSQL (through a proxy the test controls), and /readyz within a second."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db.engine import POOL_SIZE, Database, QueryTimeout
from main import create_app
from testing.proxy import Proxy
from tests.conftest import CLEARED_TABLES, app_settings, gql
from tests.factories import create_logs, log_json

WAIT_SECONDS = 2.0
LOGS = "query($f: LogFilter) { logs(filter: $f) { id } }"
FAST = {
    "enable_alerts": False,
    "statement_timeout_seconds": 1,
    "database_wait_seconds": WAIT_SECONDS,
    "database_pool_timeout_seconds": 0.5,
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return FAST


def gql_503(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    """A GraphQL answer the server gave with HTTP 503 (database away or query timed out)."""
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 503, response.text
    return response.json()


def database_of(client: TestClient) -> Database:
    db: Database = client.app.state.runtime.db  # type: ignore[attr-defined]
    return db


def timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


# --- statement timeout: the database cancels, the client hears why


@pytest.fixture
def locked_logs(client: TestClient) -> Iterator[TestClient]:
    """The logs table locked by another session, so every read of it waits."""
    db = database_of(client)
    if db.is_sqlite:
        pytest.skip("SQLite readers never wait on a lock (WAL)")
    with db.engine.connect() as holder:
        holder.execute(text("SET statement_timeout = 0"))
        holder.execute(text("LOCK TABLE logs IN ACCESS EXCLUSIVE MODE"))
        yield client
        holder.rollback()


@pytest.mark.slow
def test_statement_timeout_answers_503_saying_so_on_rest(locked_logs: TestClient) -> None:
    for request in (
        lambda: locked_logs.get("/api/v1/logs/"),
        lambda: locked_logs.post("/api/v1/logs/", json=log_json()),  # a write on the loop
    ):
        response, took = timed(request)
        assert response.status_code == 503, response.text
        assert response.json()["detail"] == "Query timed out after 1 s; narrow the filter"
        assert took < WAIT_SECONDS


@pytest.mark.slow
def test_statement_timeout_is_code_timeout_on_graphql(locked_logs: TestClient) -> None:
    body, took = timed(lambda: gql_503(locked_logs, "{ logs { id } }"))
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "TIMEOUT"}
    assert error["message"] == "Query timed out after 1 s; narrow the filter"
    assert took < WAIT_SECONDS


def test_statement_timeout_reaches_the_database(client: TestClient) -> None:
    db = database_of(client)
    if db.is_sqlite:
        pytest.skip("PostgreSQL setting")
    with db.engine.connect() as connection:
        assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "1s"


def test_libpq_gives_up_connecting_and_probes_dead_peers(client: TestClient) -> None:
    db = database_of(client)
    if db.is_sqlite:
        pytest.skip("PostgreSQL setting")
    with db.engine.connect() as connection:
        parameters = connection.connection.dbapi_connection.get_dsn_parameters()  # type: ignore[union-attr]
    assert parameters["connect_timeout"] == "5"
    assert (parameters["keepalives"], parameters["keepalives_idle"]) == ("1", "10")
    assert (parameters["keepalives_interval"], parameters["keepalives_count"]) == ("5", "3")
    assert parameters["tcp_user_timeout"] == "30000"


# --- pool wait


@pytest.mark.slow
def test_no_free_connection_answers_503_saying_so(client: TestClient) -> None:
    db = database_of(client)
    with ExitStack() as held:
        for engine in {db.engine, db._reader}:
            pool = engine.pool
            for _ in range(pool.size() + engine.pool._max_overflow):  # type: ignore[attr-defined]
                held.enter_context(engine.connect())
        response, took = timed(lambda: client.get("/api/v1/logs/"))
        assert response.status_code == 503, response.text
        assert response.json()["detail"] == "Database busy: no connection free within 0.5 s"
        assert took < WAIT_SECONDS
        body = gql_503(client, "{ logs { id } }")
        assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert client.get("/api/v1/logs/").status_code == 200


@pytest.mark.slow
def test_no_free_connection_for_a_write_on_the_loop_answers_503_saying_so(
    client: TestClient,
) -> None:
    db = database_of(client)
    if db.loop_writes is None:
        pytest.skip("SQLite writes in the thread pool")
    sleep = "SELECT pg_sleep(5)"  # cut at 1 s by the statement timeout
    portal = client.portal
    assert portal is not None
    held = [portal.start_task_soon(db.loop_rows, sleep, {}) for _ in range(POOL_SIZE)]
    time.sleep(0.2)
    response, took = timed(lambda: client.post("/api/v1/logs/", json=log_json()))
    assert response.status_code == 503, response.text
    assert response.json()["detail"] == "Database busy: no connection free within 0.5 s"
    assert took < WAIT_SECONDS
    for call in held:
        with pytest.raises(QueryTimeout):
            call.result(timeout=10)
    assert client.post("/api/v1/logs/", json=log_json()).status_code == 200


# --- a frozen or stopped PostgreSQL, through a proxy


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[Proxy]:
    url = make_url(postgres_url)
    forwarder = Proxy((url.host or "127.0.0.1", url.port or 5432))
    try:
        yield forwarder
    finally:
        forwarder.close()


@pytest.fixture
def proxied(postgres_url: str, proxy: Proxy) -> Iterator[TestClient]:
    url = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port)
    settings = app_settings(database_url=url.render_as_string(hide_password=False), **FAST)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client
        proxy.thaw()  # let abandoned work finish before the app closes its pools
        with database_of(client).engine.begin() as connection:
            for table in CLEARED_TABLES:
                connection.execute(text(f"DELETE FROM {table}"))


def expect_unavailable(client: TestClient) -> None:
    for request in (
        lambda: client.get("/api/v1/logs/"),
        lambda: client.post("/api/v1/logs/", json=log_json()),
        lambda: client.get("/api/v1/stats/"),
    ):
        response, took = timed(request)
        assert response.status_code == 503, response.text
        assert took < WAIT_SECONDS + 1.0, took
    body, took = timed(lambda: gql_503(client, "{ stats { totalLogs } }"))
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert took < WAIT_SECONDS + 1.0, took
    response, took = timed(lambda: client.get("/readyz"))
    assert response.status_code == 503
    assert took < 1.5, took
    assert client.get("/healthz").status_code == 200


def expect_recovered(client: TestClient) -> None:
    """Ready again, and serving reads and writes at once: a transaction that finds its pooled
    connection dead before COMMIT is repeated on a fresh one (nothing of it was applied)."""
    deadline = time.monotonic() + 15
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "never ready again"
        time.sleep(0.2)
    create_logs(client, log_json(), log_json())
    assert client.get("/api/v1/logs/").status_code == 200
    assert "errors" not in gql(client, "{ stats { totalLogs } }")


@pytest.mark.slow
def test_frozen_postgres_answers_503_within_the_bound_and_recovers(
    proxied: TestClient, proxy: Proxy
) -> None:
    create_logs(proxied, log_json())  # pooled connections exist
    proxy.freeze()
    expect_unavailable(proxied)
    proxy.thaw()
    expect_recovered(proxied)


def test_stopped_postgres_answers_503_and_recovers(proxied: TestClient, proxy: Proxy) -> None:
    create_logs(proxied, log_json())
    proxy.cut()
    expect_unavailable(proxied)
    proxy.restore()
    expect_recovered(proxied)


# --- SQLite has no statement timeout of its own: lograph interrupts the statement


@pytest.mark.slow
def test_slow_pattern_is_cancelled_on_sqlite_with_a_clear_error(client: TestClient) -> None:
    if not database_of(client).is_sqlite:
        pytest.skip("PostgreSQL matches this quickly; the locked-table tests cover its timeout")
    rows = [log_json(message="a" * 1000) for _ in range(100)]
    for _ in range(50):
        create_logs(client, *rows)
    pattern = "a" * 999 + "b"  # naive matching compares ~1000 characters at each position
    body, took = timed(lambda: gql_503(client, LOGS, {"f": {"messageContains": pattern}}))
    assert body["errors"][0]["extensions"] == {"code": "TIMEOUT"}, body
    assert took < WAIT_SECONDS
    assert client.get("/readyz").status_code == 200


# --- SQLite locked by another process


@pytest.mark.slow
@pytest.mark.parametrize(
    "settings_overrides", [{"enable_alerts": False, "database_wait_seconds": 30}]
)
def test_sqlite_locked_by_another_writer_answers_503_busy(client: TestClient) -> None:
    db = database_of(client)
    if not db.is_sqlite:
        pytest.skip("SQLite's single-writer lock")
    other = sqlite3.connect(str(db.engine.url.database), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # what a second worker process writing looks like
        response = client.post("/api/v1/logs/", json=log_json())
        assert response.status_code == 503, response.text
        assert response.json()["detail"] == "Database busy: locked by another writer"
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert client.post("/api/v1/logs/", json=log_json()).status_code == 200
