"""`/openapi.json` documents what the routes do: limits, every error answer, examples."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from db.models import MAX_SERVICE_LENGTH


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/openapi.json").json()
    return body


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


def test_service_has_its_max_length(spec: dict[str, Any]) -> None:
    service = spec["components"]["schemas"]["LogCreate"]["properties"]["service"]
    assert service["maxLength"] == MAX_SERVICE_LENGTH


def test_every_api_route_documents_503(spec: dict[str, Any]) -> None:
    api = [(m, p, o) for m, p, o in operations(spec) if p.startswith("/api/v1/")]
    assert len(api) == 7
    assert [(m, p) for m, p, o in api if "503" not in o["responses"]] == []


def test_every_operation_has_a_written_summary(spec: dict[str, Any]) -> None:
    # FastAPI's own summary is the function name in title case, which starts the operationId.
    generated = [
        (method, path)
        for method, path, operation in operations(spec)
        if operation["operationId"].startswith(operation["summary"].lower().replace(" ", "_"))
    ]
    assert len(operations(spec)) >= 10
    assert generated == []


def test_bulk_body_has_an_example_that_the_route_accepts(
    spec: dict[str, Any], client: TestClient
) -> None:
    body = spec["paths"]["/api/v1/bulk_logs/"]["post"]["requestBody"]["content"]["application/json"]
    (example,) = body["examples"].values()
    created = client.post("/api/v1/bulk_logs/", json=example["value"])
    assert created.status_code == 200, created.text
    assert [log["level"] for log in created.json()] == ["INFO", "WARN"]
