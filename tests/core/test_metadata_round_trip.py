"""What is written can always be read back: metadata is refused at write time or reads back
as the same JSON, on both surfaces and in alert samples."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from db.partitions import ensure_partitions
from tests.alerts.support import history, upsert_rule, write_logs
from tests.conftest import gql
from tests.factories import create_logs, log_json

LOGS = "{ logs { id metadata } }"
CREATE = "mutation($input: LogInput!) { createLog(input: $input) { id metadata } }"
BIG_NUMBERS = {"f": 1e20, "g": -1.5e300, "h": 12345678901234567890.0, "i": 2**63 - 1}


def same_numbers(metadata: dict[str, Any]) -> dict[str, float]:
    """JSONB keeps numbers as decimals (`1e18` reads back as 1000000000000000000): the same
    JSON number, compared here as floats."""
    return {key: float(value) for key, value in metadata.items()}


def nested(depth: int) -> dict[str, Any]:
    """An object `depth` levels deep (the outer object is level 1)."""
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def post_raw(client: TestClient, path: str, body: bytes) -> Any:
    return client.post(path, content=body, headers={"content-type": "application/json"})


def test_numbers_beyond_64_bits_read_back_over_rest(client: TestClient) -> None:
    (created,) = create_logs(client, log_json(metadata_=BIG_NUMBERS))
    assert same_numbers(created["metadata_"]) == same_numbers(BIG_NUMBERS)
    one = client.get(f"/api/v1/logs/{created['id']}")
    assert one.status_code == 200, one.text
    assert one.json()["metadata_"]["i"] == 2**63 - 1  # integers stay exact
    assert same_numbers(one.json()["metadata_"]) == same_numbers(BIG_NUMBERS)
    page = client.get("/api/v1/logs/")
    assert page.status_code == 200, page.text
    assert same_numbers(page.json()[0]["metadata_"]) == same_numbers(BIG_NUMBERS)
    filtered = client.get("/api/v1/logs/filter", params={"service": "auth-service"})
    assert filtered.status_code == 200, filtered.text
    deleted = client.delete(f"/api/v1/logs/{created['id']}")
    assert same_numbers(deleted.json()["metadata_"]) == same_numbers(BIG_NUMBERS)


def test_numbers_beyond_64_bits_read_back_over_graphql(client: TestClient) -> None:
    created = gql(
        client,
        CREATE,
        {"input": {"level": "INFO", "service": "s", "message": "m", "metadata": BIG_NUMBERS}},
    )
    assert "errors" not in created, created
    body = gql(client, LOGS)
    assert "errors" not in body, body
    assert same_numbers(body["data"]["logs"][0]["metadata"]) == same_numbers(BIG_NUMBERS)


@pytest.mark.parametrize("settings_overrides", [{"enable_alerts": True}])
def test_alert_with_such_a_sample_is_delivered(client: TestClient) -> None:
    upsert_rule(client, name="big", service="big-numbers", threshold=1)
    write_logs(client, 1, service="big-numbers", metadata_=BIG_NUMBERS)
    (alert,) = history(client, rule="big")
    assert same_numbers(alert["samples"][0]["metadata"]) == same_numbers(BIG_NUMBERS)


def test_metadata_nested_beyond_the_cap_is_refused_on_rest(client: TestClient) -> None:
    assert client.post("/api/v1/logs/", json=log_json(metadata_=nested(32))).status_code == 200
    for depth in (33, 253, 254):
        response = client.post("/api/v1/logs/", json=log_json(metadata_=nested(depth)))
        assert response.status_code == 422, (depth, response.text[:300])
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body", "metadata_"]
        assert "32 levels" in error["msg"]
    assert len(client.get("/api/v1/logs/").json()) == 1


def test_metadata_nested_beyond_the_cap_is_refused_on_graphql(client: TestClient) -> None:
    for depth in (33, 254):
        body = gql(
            client,
            CREATE,
            {"input": {"level": "INFO", "service": "s", "message": "m", "metadata": nested(depth)}},
        )
        # graph/limits refuses variables nested over 64 levels before any resolver runs
        field = "metadata" if depth == 33 else "input"
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert gql(client, LOGS)["data"]["logs"] == []


def test_oversized_metadata_is_refused(client: TestClient) -> None:
    response = client.post("/api/v1/logs/", json=log_json(metadata_={"k": "x" * 70_000}))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "metadata_"]
    assert "65536 bytes" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_refused_not_stored_as_null(client: TestClient, number: bytes) -> None:
    body = b'{"level": "INFO", "service": "s", "message": "m", "metadata_": {"x": [' + number
    response = post_raw(client, "/api/v1/logs/", body + b"]}}")
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "metadata_"]
    bulk = post_raw(client, "/api/v1/bulk_logs/", b"[" + body + b"]}}]")
    assert bulk.status_code == 422, bulk.text
    assert bulk.json()["detail"][0]["loc"] == ["body", 0, "metadata_"]
    assert client.get("/api/v1/logs/").json() == []


def test_nan_in_graphql_variables_is_refused(client: TestClient) -> None:
    query = CREATE.replace("\n", " ")
    payload = (
        b'{"query": "' + query.encode() + b'", "variables": {"input": {"level": "INFO", '
        b'"service": "s", "message": "m", "metadata": {"x": NaN}}}}'
    )
    response = post_raw(client, "/graphql", payload)
    assert response.status_code in (200, 400), response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert gql(client, LOGS)["data"]["logs"] == []


def test_rows_stored_before_with_huge_integers_read_back(client: TestClient) -> None:
    """Rows written before validation existed (or by another writer) never poison a read."""
    engine = client.app.state.runtime.db.engine  # type: ignore[attr-defined]
    at = datetime(2025, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # a partition for it, as the app makes one
            ensure_partitions(connection, [at])
        connection.execute(
            text(
                "INSERT INTO logs (timestamp, level, service, message, metadata) "
                "VALUES (:at, 'INFO', 's', 'm', :metadata)"
            ),
            {"at": at, "metadata": '{"n": 1' + "0" * 30 + "}"},
        )
    page = client.get("/api/v1/logs/")
    assert page.status_code == 200, page.text
    assert page.json()[0]["metadata_"] == {"n": 1e30}
    body = gql(client, LOGS)
    assert body["data"]["logs"][0]["metadata"] == {"n": 1e30}
