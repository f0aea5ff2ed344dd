"""Internal failures stay inside: no stack traces or SQL for clients, 503 when the DB is gone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from db.engine import Database
from tests.conftest import gql


@pytest.fixture
def missing_table(client: TestClient) -> Iterator[TestClient]:
    """The logs table renamed away, so every query fails inside the database."""
    engine = client.app.state.runtime.db.engine  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE logs RENAME TO logs_hidden"))
    try:
        yield TestClient(client.app, raise_server_exceptions=False)
    finally:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE logs_hidden RENAME TO logs"))


def test_graphql_masks_unexpected_errors(missing_table: TestClient) -> None:
    body = gql(missing_table, "{ logs { id } }")
    assert body["errors"] == [
        {
            "message": "Internal server error",
            "locations": [{"line": 1, "column": 3}],
            "path": ["logs"],
            "extensions": {"code": "INTERNAL"},
        }
    ]


def test_rest_hides_sql_behind_500(missing_table: TestClient) -> None:
    response = missing_table.get("/api/v1/logs/")
    assert response.status_code == 500
    assert "logs" not in response.text.lower()
    assert "select" not in response.text.lower()


def test_rest_answers_503_when_database_is_down(dead_database: TestClient) -> None:
    response = dead_database.get("/api/v1/logs/")
    assert response.status_code == 503
    request_id = response.headers["x-request-id"]
    assert response.json() == {"detail": "Database unavailable", "requestId": request_id}


def test_readyz_fails_when_database_is_down(dead_database: TestClient) -> None:
    assert dead_database.get("/readyz").status_code == 503
    assert dead_database.get("/healthz").status_code == 200


def test_graphql_reports_unavailable_when_database_is_down(dead_database: TestClient) -> None:
    response = dead_database.post("/graphql", json={"query": "{ stats { totalLogs } }"})
    assert response.status_code == 503
    body = response.json()
    assert body["errors"][0]["extensions"] == {"code": "SERVICE_UNAVAILABLE"}
    assert body["errors"][0]["message"] == "Service unavailable"


def drop_other_connections(db: Database) -> None:
    """What a PostgreSQL restart does to every connection the app has pooled."""
    if db.is_sqlite:
        pytest.skip("SQLite has no server to drop connections")
    with db.engine.connect() as admin:
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        admin.commit()


def test_reads_survive_the_database_dropping_pooled_connections(client: TestClient) -> None:
    db: Database = client.app.state.runtime.db  # type: ignore[attr-defined]
    assert client.get("/api/v1/stats/").status_code == 200  # a pooled connection now exists
    drop_other_connections(db)
    assert client.get("/api/v1/stats/").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_one_dropped_connection_fails_one_create_then_the_pool_is_renewed(
    client: TestClient,
) -> None:
    """A disconnect during a single create must renew the whole pool, or every dead
    connection still pooled would fail a write in turn."""
    db: Database = client.app.state.runtime.db  # type: ignore[attr-defined]
    held = [db.engines[-1].connect() for _ in range(3)]  # the pool single creates use
    for connection in held:  # several pooled connections, all to be dropped
        connection.close()
    drop_other_connections(db)
    log = {"level": "INFO", "service": "api", "message": "after a restart"}
    statuses = [client.post("/api/v1/logs/", json=log).status_code for _ in range(4)]
    assert statuses[0] in (200, 503)
    assert statuses[1:] == [200, 200, 200]


def test_a_live_tail_says_unavailable_when_the_database_is_down(
    dead_database: TestClient,
) -> None:
    with dead_database.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json()["type"] == "connection_ack"
        query = "subscription { logs { cursor node { id } } }"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
        message = ws.receive_json()
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert [error["extensions"] for error in errors] == [{"code": "SERVICE_UNAVAILABLE"}]
    assert errors[0]["message"] == "Service unavailable"
