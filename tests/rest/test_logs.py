"""The legacy `/api/v1/logs` contract, as a client written for the predecessor sees it."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from tests.factories import create_logs, log_json


def test_welcome_message_at_root(client: TestClient) -> None:
    response = client.get("/")
    assert response.json() == {"message": "Log Aggregation Service is up and running"}


def test_create_returns_log_read_with_service_and_metadata(client: TestClient) -> None:
    body = log_json(level="error", metadata_={"nested": {"n": 1, "ok": True, "list": [1, "a"]}})
    response = client.post("/api/v1/logs/", json=body)
    assert response.status_code == 200
    created = response.json()
    assert set(created) == {"id", "level", "message", "timestamp", "metadata_", "service"}
    assert created["level"] == "ERROR"
    assert created["service"] == "auth-service"
    assert created["metadata_"] == {"nested": {"n": 1, "ok": True, "list": [1, "a"]}}
    assert created["timestamp"] == "2025-10-09T12:00:00+00:00"
    assert client.get(f"/api/v1/logs/{created['id']}").json() == created


def test_create_without_trailing_slash_works(client: TestClient) -> None:
    assert client.post("/api/v1/logs", json=log_json()).status_code == 200


def test_create_without_timestamp_uses_server_time(client: TestClient) -> None:
    before = datetime.now().astimezone()
    created = client.post("/api/v1/logs/", json=log_json(timestamp=None)).json()
    stamp = datetime.fromisoformat(created["timestamp"])
    assert stamp.tzinfo is not None
    assert (stamp - before).total_seconds() > -1


def test_level_aliases_are_normalised(client: TestClient) -> None:
    warning = client.post("/api/v1/logs/", json=log_json(level="Warning")).json()
    critical = client.post("/api/v1/logs/", json=log_json(level="CRITICAL")).json()
    assert (warning["level"], critical["level"]) == ("WARN", "FATAL")


@pytest.mark.parametrize("level", ["LOUD", "err", "notice", "3"])  # ingest's names stay ingest's
def test_unknown_level_is_422_listing_allowed_values(client: TestClient, level: str) -> None:
    response = client.post("/api/v1/logs/", json=log_json(level=level))
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == ["body", "level"]
    assert "TRACE, DEBUG, INFO, WARN, ERROR, FATAL" in error["msg"]


def test_list_is_oldest_id_first(client: TestClient) -> None:
    created = create_logs(
        client, log_json(timestamp="2025-01-02T00:00:00Z"), log_json(timestamp="2025-01-01T00:00Z")
    )
    listed = client.get("/api/v1/logs/").json()
    assert [log["id"] for log in listed] == [log["id"] for log in created]


def test_list_without_trailing_slash_works(client: TestClient) -> None:
    create_logs(client, log_json())
    assert len(client.get("/api/v1/logs").json()) == 1


def test_negative_skip_is_422_not_500(client: TestClient) -> None:
    response = client.get("/api/v1/logs/?skip=-1")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "skip"]


def test_limit_above_maximum_is_422_naming_the_limit(client: TestClient) -> None:
    response = client.get("/api/v1/logs/?limit=1001")
    assert response.status_code == 422
    assert "1000" in response.json()["detail"][0]["msg"]


def test_non_integer_limit_is_422(client: TestClient) -> None:
    assert client.get("/api/v1/logs/?limit=ten").status_code == 422


def test_get_absent_log_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/logs/999999", headers={"x-request-id": "req-42"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "req-42"
    assert response.json() == {"detail": "Log not found", "requestId": "req-42"}


def test_get_non_integer_id_is_422(client: TestClient) -> None:
    assert client.get("/api/v1/logs/abc").status_code == 422


def test_delete_returns_the_deleted_record(client: TestClient) -> None:
    (created,) = create_logs(client, log_json())
    deleted = client.delete(f"/api/v1/logs/{created['id']}")
    assert deleted.status_code == 200
    assert deleted.json() == created
    assert client.get(f"/api/v1/logs/{created['id']}").status_code == 404
    assert client.delete(f"/api/v1/logs/{created['id']}").status_code == 404


def test_the_id_of_a_deleted_newest_log_is_never_given_again(client: TestClient) -> None:
    _older, newest = create_logs(client, log_json(message="older"), log_json(message="newest"))
    assert client.delete(f"/api/v1/logs/{newest['id']}").status_code == 200
    (later,) = create_logs(client, log_json(message="later"))
    assert later["id"] > newest["id"]
    assert client.get(f"/api/v1/logs/{newest['id']}").status_code == 404


def test_long_message_and_service_are_accepted(client: TestClient) -> None:
    body = log_json(message="m" * 10_000, service="s" * 100)
    assert client.post("/api/v1/logs/", json=body).status_code == 200


def test_oversized_service_is_422_naming_the_limit(client: TestClient) -> None:
    response = client.post("/api/v1/logs/", json=log_json(service="s" * 101))
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == ["body", "service"]
    assert "100" in error["msg"]


def test_oversized_message_is_422(client: TestClient) -> None:
    response = client.post("/api/v1/logs/", json=log_json(message="m" * (64 * 1024 + 1)))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "message"]


def test_empty_service_is_422(client: TestClient) -> None:
    response = client.post("/api/v1/logs/", json=log_json(service="  "))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "service"]


def test_missing_field_is_422(client: TestClient) -> None:
    body = log_json()
    del body["message"]
    assert client.post("/api/v1/logs/", json=body).status_code == 422


def test_wrong_types_are_422(client: TestClient) -> None:
    for body in (log_json(level=3), log_json(metadata_="text"), log_json(service=["a"])):
        assert client.post("/api/v1/logs/", json=body).status_code == 422


def test_bad_timestamp_is_422(client: TestClient) -> None:
    response = client.post("/api/v1/logs/", json=log_json(timestamp="yesterday"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "timestamp"]


def test_malformed_json_is_422(client: TestClient) -> None:
    response = client.post(
        "/api/v1/logs/", content=b'{"level": "INFO",', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_a_timestamp_given_as_a_number_is_422(client: TestClient) -> None:
    """The contract's timestamps are ISO 8601 text; pydantic alone read numbers as Unix time."""
    for stamp in (0, 1.5, "0", "1700000000.5"):
        response = client.post("/api/v1/logs/", json=log_json(timestamp=stamp))
        assert response.status_code == 422, stamp
        assert response.json()["detail"][0]["loc"] == ["body", "timestamp"]
    bulk = client.post("/api/v1/bulk_logs/", json=[log_json(), log_json(timestamp=0)])
    assert bulk.status_code == 422
    assert bulk.json()["detail"][0]["loc"] == ["body", 1, "timestamp"]


def test_an_empty_message_is_stored_as_the_predecessor_did(client: TestClient) -> None:
    for message in ("", "   "):
        response = client.post("/api/v1/logs/", json=log_json(message=message))
        assert response.status_code == 200, response.text
        assert response.json()["message"] == message


def test_a_body_that_is_not_utf8_is_422_as_other_broken_json(client: TestClient) -> None:
    for path in ("/api/v1/logs/", "/api/v1/bulk_logs/"):
        response = client.post(
            path, content=b"\x8c\xa4", headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, path
        assert response.json()["detail"][0]["loc"] == ["body"]


def test_delete_on_the_filter_path_is_405_allowing_get(client: TestClient) -> None:
    response = client.delete("/api/v1/logs/filter")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


def test_a_method_not_allowed_lists_every_method_of_the_path(client: TestClient) -> None:
    for path, allowed in [("/api/v1/logs/", "GET, POST"), ("/api/v1/logs/7", "DELETE, GET")]:
        for method in ("OPTIONS", "PUT", "PATCH"):
            response = client.request(method, path)
            assert response.status_code == 405, (method, path)
            assert response.headers["allow"] == allowed, (method, path)
