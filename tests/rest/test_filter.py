"""`/api/v1/logs/filter`: reachable, inclusive, stable across pages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import create_logs, log_json


def test_filter_is_reachable_and_matches_exact_service(client: TestClient) -> None:
    create_logs(client, log_json(service="a"), log_json(service="ab"))
    response = client.get("/api/v1/logs/filter", params={"service": "a"})
    assert response.status_code == 200
    assert [log["service"] for log in response.json()] == ["a"]


def test_filter_level_is_case_insensitive_with_aliases(client: TestClient) -> None:
    create_logs(client, log_json(level="WARN"), log_json(level="INFO"))
    found = client.get("/api/v1/logs/filter", params={"level": "warning"}).json()
    assert [log["level"] for log in found] == ["WARN"]


def test_filter_unknown_level_is_422(client: TestClient) -> None:
    response = client.get("/api/v1/logs/filter", params={"level": "LOUD"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "level"]


def test_filter_time_bounds_are_inclusive(client: TestClient) -> None:
    create_logs(
        client,
        log_json(timestamp="2025-01-01T00:00:00Z"),
        log_json(timestamp="2025-01-01T00:00:01Z"),
        log_json(timestamp="2025-01-01T00:00:02Z"),
    )
    found = client.get(
        "/api/v1/logs/filter",
        params={"start_time": "2025-01-01T00:00:00Z", "end_time": "2025-01-01T00:00:01+00:00"},
    ).json()
    assert [log["timestamp"] for log in found] == [
        "2025-01-01T00:00:00+00:00",
        "2025-01-01T00:00:01+00:00",
    ]


def test_filter_time_in_other_zone_is_compared_as_instant(client: TestClient) -> None:
    create_logs(client, log_json(timestamp="2025-01-01T10:00:00Z"))
    found = client.get(
        "/api/v1/logs/filter",
        params={"start_time": "2025-01-01T11:00:00+01:00", "end_time": "2025-01-01T11:00:00+01:00"},
    ).json()
    assert len(found) == 1


def test_filter_unparseable_time_is_422(client: TestClient) -> None:
    response = client.get("/api/v1/logs/filter", params={"start_time": "not-a-time"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "start_time"]


def test_filter_pages_never_repeat_or_lose_rows(client: TestClient) -> None:
    same_time = "2025-01-01T00:00:00Z"
    created = create_logs(client, *[log_json(timestamp=same_time) for _ in range(25)])
    seen: list[int] = []
    for skip in range(0, 30, 7):
        page = client.get("/api/v1/logs/filter", params={"skip": skip, "limit": 7}).json()
        seen.extend(log["id"] for log in page)
    assert seen == sorted(log["id"] for log in created)


def test_filter_negative_limit_is_422(client: TestClient) -> None:
    assert client.get("/api/v1/logs/filter", params={"limit": -5}).status_code == 422


def test_filter_time_given_as_a_number_is_422(client: TestClient) -> None:
    for name in ("start_time", "end_time"):
        for value in ("0.5", "0", "1700000000"):
            response = client.get("/api/v1/logs/filter", params={name: value})
            assert response.status_code == 422, (name, value)
            assert response.json()["detail"][0]["loc"] == ["query", name]
