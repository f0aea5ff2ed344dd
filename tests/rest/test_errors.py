"""REST error bodies keep the legacy shape and never echo more than a bounded part of the input."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import log_json

MEGABYTE = 1024 * 1024


def assert_bounded_legacy_422(response: object, *, limit: int = 2000) -> list[dict[str, object]]:
    assert response.status_code == 422, response.text[:300]  # type: ignore[attr-defined]
    assert len(response.content) < limit, len(response.content)  # type: ignore[attr-defined]
    detail: list[dict[str, object]] = response.json()["detail"]  # type: ignore[attr-defined]
    for error in detail:
        assert set(error) == {"loc", "msg", "type"}, error
    return detail


def test_wrong_type_in_a_huge_field_is_not_echoed(client: TestClient) -> None:
    for body in (
        log_json(timestamp="x" * MEGABYTE),
        log_json(level="L" * MEGABYTE),
        log_json(message=["m" * MEGABYTE]),
        log_json(metadata_="x" * MEGABYTE),
    ):
        assert_bounded_legacy_422(client.post("/api/v1/logs/", json=body))
        assert_bounded_legacy_422(client.post("/api/v1/bulk_logs/", json=[body]))


def test_missing_field_keeps_the_legacy_shape(client: TestClient) -> None:
    body = log_json()
    del body["service"]
    (error,) = assert_bounded_legacy_422(client.post("/api/v1/logs/", json=body))
    assert error == {"loc": ["body", "service"], "msg": "Field required", "type": "missing"}


def test_huge_query_parameter_is_not_echoed(client: TestClient) -> None:
    response = client.get("/api/v1/logs/", params={"skip": "9" * 10_000 + "x"})
    (error,) = assert_bounded_legacy_422(response)
    assert error["loc"] == ["query", "skip"]


def test_malformed_json_is_422_without_the_body(client: TestClient) -> None:
    response = client.post(
        "/api/v1/logs/",
        content=b'{"level": "' + b"x" * MEGABYTE,
        headers={"content-type": "application/json"},
    )
    assert_bounded_legacy_422(response)
