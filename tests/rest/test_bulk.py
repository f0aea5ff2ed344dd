"""`/api/v1/bulk_logs`: ordered, all or nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import create_logs, log_json


def test_bulk_returns_records_in_the_order_given(client: TestClient) -> None:
    bodies = [log_json(message=f"m{i}") for i in range(20)]
    created = create_logs(client, *bodies)
    assert [log["message"] for log in created] == [f"m{i}" for i in range(20)]
    assert [log["id"] for log in created] == sorted(log["id"] for log in created)
    assert client.get(f"/api/v1/logs/{created[7]['id']}").json() == created[7]


def test_bulk_with_one_invalid_item_writes_nothing(client: TestClient) -> None:
    bodies = [log_json(), log_json(), log_json(service=""), log_json()]
    response = client.post("/api/v1/bulk_logs/", json=bodies)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", 2, "service"]
    assert client.get("/api/v1/stats/").json()["total_logs"] == 0


def test_bulk_unknown_level_names_its_index(client: TestClient) -> None:
    response = client.post("/api/v1/bulk_logs/", json=[log_json(), log_json(level="nope")])
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", 1, "level"]


def test_bulk_non_array_body_is_422(client: TestClient) -> None:
    assert client.post("/api/v1/bulk_logs/", json=log_json()).status_code == 422


def test_bulk_empty_array_creates_nothing(client: TestClient) -> None:
    response = client.post("/api/v1/bulk_logs/", json=[])
    assert (response.status_code, response.json()) == (200, [])


def test_bulk_over_ten_thousand_is_413(client: TestClient) -> None:
    small = {"level": "INFO", "service": "s", "message": "m"}
    response = client.post("/api/v1/bulk_logs/", json=[small] * 10_001)
    assert response.status_code == 413
    assert "10000" in response.json()["detail"]


def test_bulk_without_trailing_slash_works(client: TestClient) -> None:
    assert client.post("/api/v1/bulk_logs", json=[log_json()]).status_code == 200


def test_request_body_over_the_cap_is_413(client: TestClient) -> None:
    response = client.post(
        "/api/v1/bulk_logs/",
        content=b"[" + b" " * (64 * 1024 * 1024 + 1) + b"]",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


def test_bulk_round_trips_awkward_text_exactly(client: TestClient) -> None:
    message = 'tab\tnewline\nreturn\r back\\slash \\N "quotes" emoji \U0001f600 \u00e9'
    metadata = {"path": "C:\\temp\\n", "nested": {"text": "a\tb\nc"}, "list": [1.5, None, True]}
    (created,) = create_logs(
        client, log_json(service="svc\\x", message=message, metadata_=metadata)
    )
    stored = client.get(f"/api/v1/logs/{created['id']}").json()
    assert (stored["service"], stored["message"], stored["metadata_"]) == (
        "svc\\x",
        message,
        metadata,
    )


def test_nul_characters_are_refused_not_500(client: TestClient) -> None:
    for body in (log_json(message="a\x00b"), log_json(metadata_={"k": "a\x00b"})):
        response = client.post("/api/v1/bulk_logs/", json=[body])
        assert response.status_code == 422, response.text


def test_integer_beyond_64_bits_in_metadata_is_422(client: TestClient) -> None:
    response = client.post(
        "/api/v1/logs/",
        content=b'{"level": "INFO", "service": "s", "message": "m", "metadata_": {"n": 1'
        + b"0" * 30
        + b"}}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "metadata_"]


def test_lone_surrogates_are_refused_not_500(client: TestClient) -> None:
    body = b'[{"level": "INFO", "service": "s", "message": "bad \\ud800 half"}]'
    response = client.post(
        "/api/v1/bulk_logs/", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", 0, "message"]
