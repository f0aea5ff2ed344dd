"""`/api/v1/stats` and the operator probes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import create_logs, log_json


def test_stats_counts_by_level_and_service(client: TestClient) -> None:
    create_logs(
        client,
        log_json(level="ERROR", service="pay"),
        log_json(level="ERROR", service="auth"),
        log_json(level="INFO", service="pay"),
    )
    response = client.get("/api/v1/stats/")
    assert response.json() == {
        "total_logs": 3,
        "by_level": {"ERROR": 2, "INFO": 1},
        "by_service": {"pay": 2, "auth": 1},
    }
    assert client.get("/api/v1/stats").json() == response.json()


def test_stats_when_empty(client: TestClient) -> None:
    assert client.get("/api/v1/stats/").json() == {
        "total_logs": 0,
        "by_level": {},
        "by_service": {},
    }


def test_healthz_and_readyz_answer(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok", "database": "up"}


def test_openapi_documents_request_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/logs/filter" in spec["paths"]
    assert spec["components"]["schemas"]["LogCreate"]["examples"][0]["level"] == "ERROR"
