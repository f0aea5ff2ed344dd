"""Ingest when the database is away: 503 with Retry-After on every path, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

OTLP = b'{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"stringValue": "o"}}]}]}]}'
LOKI = b'{"streams": [{"stream": {"app": "a"}, "values": [["1", "x"]]}]}'
REQUESTS = [
    ("/ingest/ndjson", b'{"level":"INFO","service":"s","message":"m"}', "application/x-ndjson"),
    ("/v1/logs", OTLP, "application/json"),
    ("/loki/api/v1/push", LOKI, "application/json"),
]


@pytest.mark.parametrize(("path", "body", "content_type"), REQUESTS)
@pytest.mark.parametrize("key", [None, "k"])
def test_every_path_answers_503_with_retry_after(
    dead_database: TestClient, path: str, body: bytes, content_type: str, key: str | None
) -> None:
    headers = {"content-type": content_type} | ({} if key is None else {"idempotency-key": key})
    response = dead_database.post(path, content=body, headers=headers)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
