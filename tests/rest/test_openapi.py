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


@pytest.mark.parametrize("path", ["/v1/logs", "/loki/api/v1/push", "/ingest/ndjson"])
def test_ingest_routes_document_their_refusals(spec: dict[str, Any], path: str) -> None:
    documented = spec["paths"][path]["post"]["responses"]
    assert {"400", "401", "403", "409", "413", "415", "429", "503"} <= set(documented)


def test_a_json_ingest_body_is_documented_as_an_object(spec: dict[str, Any]) -> None:
    body = spec["paths"]["/v1/logs"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"type": "object"}


def test_the_paging_and_id_bounds_are_documented(spec: dict[str, Any]) -> None:
    parameters = {
        parameter["name"]: parameter["schema"]
        for parameter in spec["paths"]["/api/v1/logs/filter"]["get"]["parameters"]
        + spec["paths"]["/api/v1/logs/{log_id}"]["get"]["parameters"]
    }
    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (0, 1000)
    assert (parameters["skip"]["minimum"], parameters["skip"]["maximum"]) == (0, 2**63 - 1)
    assert (parameters["log_id"]["minimum"], parameters["log_id"]["maximum"]) == (1, 2**63 - 1)
