"""The ingest tests' app also forgets its Idempotency-Key claims after every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text


@pytest.fixture
def client(client: TestClient) -> Iterator[TestClient]:
    yield client
    with client.app.state.services.db.engine.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(text("DELETE FROM ingest_requests"))


def stored(client: TestClient) -> list[dict[str, object]]:
    """Every log in the database, oldest id first, as the legacy REST API returns them."""
    response = client.get("/api/v1/logs/", params={"limit": 1000})
    assert response.status_code == 200, response.text
    logs: list[dict[str, object]] = response.json()
    return logs
