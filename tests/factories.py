"""Tiny builders for test data."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def log_json(**overrides: Any) -> dict[str, Any]:
    """A valid legacy LogCreate body."""
    body: dict[str, Any] = {
        "level": "INFO",
        "service": "auth-service",
        "message": "user logged in",
        "timestamp": "2025-10-09T12:00:00+00:00",
        "metadata_": {"request_id": "abc"},
    }
    body.update(overrides)
    return body


def create_logs(client: TestClient, *bodies: dict[str, Any]) -> list[dict[str, Any]]:
    """Write through the legacy bulk path and return the created records."""
    response = client.post("/api/v1/bulk_logs/", json=list(bodies))
    assert response.status_code == 200, response.text
    created: list[dict[str, Any]] = response.json()
    return created
