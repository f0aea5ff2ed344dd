"""`createLog`, `bulkCreate` and `deleteLog`."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import gql

CREATE = """
mutation Create($input: LogInput!) {
  createLog(input: $input) { id timestamp level service message metadata }
}
"""
BULK = """
mutation Bulk($inputs: [LogInput!]!) {
  bulkCreate(inputs: $inputs) { count ids logs { id message } }
}
"""
DELETE = "mutation Delete($id: ID!) { deleteLog(id: $id) { id message } }"
COUNT = "{ stats { totalLogs } }"


def log_input(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"level": "INFO", "service": "api", "message": "hello"}
    values.update(overrides)
    return values


def total(client: TestClient) -> int:
    count: int = gql(client, COUNT)["data"]["stats"]["totalLogs"]
    return count


def test_create_log_returns_the_stored_log(client: TestClient) -> None:
    given = log_input(timestamp="2025-03-01T12:00:00+02:00", metadata={"a": {"b": [1, None]}})
    created = gql(client, CREATE, {"input": given})["data"]["createLog"]
    assert created["timestamp"] == "2025-03-01T10:00:00+00:00"
    assert created["metadata"] == {"a": {"b": [1, None]}}
    query = "query($id: ID!) { log(id: $id) { id timestamp level service message metadata } }"
    assert gql(client, query, {"id": created["id"]})["data"]["log"] == created


def test_create_log_without_timestamp_gets_server_time_with_zone(client: TestClient) -> None:
    created = gql(client, CREATE, {"input": log_input()})["data"]["createLog"]
    assert created["timestamp"].endswith("+00:00")


def test_create_log_empty_service_is_bad_user_input(client: TestClient) -> None:
    body = gql(client, CREATE, {"input": log_input(service="")})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "service"}
    assert total(client) == 0


def test_create_log_non_object_metadata_is_bad_user_input(client: TestClient) -> None:
    body = gql(client, CREATE, {"input": log_input(metadata=[1, 2])})
    assert body["errors"][0]["extensions"]["field"] == "metadata"


def test_bulk_create_returns_ids_in_order(client: TestClient) -> None:
    inputs = [log_input(message=f"m{i}") for i in range(5)]
    result = gql(client, BULK, {"inputs": inputs})["data"]["bulkCreate"]
    assert result["count"] == 5
    assert [log["message"] for log in result["logs"]] == [f"m{i}" for i in range(5)]
    assert result["ids"] == [log["id"] for log in result["logs"]]
    assert [int(i) for i in result["ids"]] == sorted(int(i) for i in result["ids"])


def test_bulk_create_invalid_item_names_index_and_writes_nothing(client: TestClient) -> None:
    inputs = [log_input(), log_input(service=""), log_input()]
    body = gql(client, BULK, {"inputs": inputs})
    error = body["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "service", "index": 1}
    assert "[1].service" in error["message"]
    assert total(client) == 0


def test_bulk_create_over_ten_thousand_is_refused(client: TestClient) -> None:
    response = client.post(
        "/graphql", json={"query": BULK, "variables": {"inputs": [log_input()] * 10_001}}
    )
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "inputs"}
    assert total(client) == 0


def test_delete_log_returns_it_then_not_found(client: TestClient) -> None:
    created = gql(client, CREATE, {"input": log_input(message="bye")})["data"]["createLog"]
    deleted = gql(client, DELETE, {"id": created["id"]})["data"]["deleteLog"]
    assert deleted == {"id": created["id"], "message": "bye"}
    again = gql(client, DELETE, {"id": created["id"]})
    assert again["data"] == {"deleteLog": None}
    assert again["errors"][0]["extensions"]["code"] == "NOT_FOUND"
