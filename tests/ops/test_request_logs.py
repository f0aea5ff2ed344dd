"""Request ids in headers, log lines and error bodies; JSON log lines; the audit trail."""

from __future__ import annotations

import logging
import os
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from core.request_id import current_request_id
from main import MAX_BODY_BYTES
from ops.logs import JsonFormatter
from ops.requests import _request_id
from tests.access.support import ADMIN_KEY, bearer, call, create_key
from tests.factories import create_logs, log_json


def test_a_plain_request_id_is_echoed_and_a_strange_one_replaced(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"x-request-id": "abc-1"}).headers["x-request-id"] == "abc-1"
    )
    made = client.get("/healthz", headers={"x-request-id": "x" * 500}).headers["x-request-id"]
    assert len(made) == 32
    assert client.get("/healthz").headers["x-request-id"] != made


def test_graphql_answers_with_errors_carry_the_request_id(client: TestClient) -> None:
    response = client.post(
        "/graphql", json={"query": '{ log(id: "x") { id } }'}, headers={"x-request-id": "r-9"}
    )
    assert response.json()["extensions"] == {"requestId": "r-9"}


def test_access_lines_name_the_request(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="lograph.access"):
        client.get("/api/v1/stats/", headers={"x-request-id": "r-7"})
    (line,) = [r for r in caplog.records if r.name == "lograph.access"]
    assert line.getMessage().startswith("GET /api/v1/stats/ 200")
    assert line.access["status"] == 200  # type: ignore[attr-defined]


def test_json_lines_carry_the_request_id_and_structured_fields() -> None:
    token = current_request_id.set("r-1")
    try:
        record = logging.LogRecord(
            "lograph.access", logging.INFO, __file__, 1, "GET / 200", (), None
        )
        record.access = {"status": 200}
        record.request_id = current_request_id.get()
        line: dict[str, Any] = orjson.loads(JsonFormatter().format(record))
    finally:
        current_request_id.reset(token)
    assert line["requestId"] == "r-1"
    assert line["access"] == {"status": 200}
    assert line["message"] == "GET / 200"


class TestAudit:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"enable_alerts": False, "admin_api_key": ADMIN_KEY}

    def test_deletes_rule_and_key_changes_name_the_key(
        self, client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        (log,) = create_logs(client, log_json())
        with caplog.at_level(logging.INFO, logger="lograph.audit"):
            create_key(client, "ops", "ADMIN")
            client.delete(f"/api/v1/logs/{log['id']}", headers=bearer(ADMIN_KEY))
            call(
                client,
                'mutation { upsertAlertRule(input: {name: "r", service: "s", threshold: 1,'
                " windowSeconds: 60}) { name } }",
                key=ADMIN_KEY,
            )
            call(client, 'mutation { revokeApiKey(name: "ops") { name } }', key=ADMIN_KEY)
        lines = [r.getMessage() for r in caplog.records if r.name == "lograph.audit"]
        assert lines == [
            "audit: create api key 'ops' ['ADMIN'] by ADMIN_API_KEY",
            f"audit: delete log {log['id']} by ADMIN_API_KEY",
            "audit: upsert alert rule 'r' by ADMIN_API_KEY",
            "audit: revoke api key 'ops' by ADMIN_API_KEY",
        ]


def test_an_unexpected_error_is_a_bare_500_naming_the_request(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import core.logs

    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(core.logs, "log_stats", broken)
    response = client.get("/api/v1/stats/", headers={"x-request-id": "r-500"})
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error", "requestId": "r-500"}
    assert "secret" not in response.text
    assert any("secret internals" in (r.exc_text or "") for r in caplog.records)


def test_fresh_request_ids_differ_within_and_across_forked_processes() -> None:
    ids = {_request_id({"headers": []}) for _ in range(1000)}
    assert len(ids) == 1000
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.write(writer, _request_id({"headers": []}).encode())
        os._exit(0)
    os.waitpid(child, 0)
    from_child = os.read(reader, 100).decode()
    assert from_child[:16] != next(iter(ids))[:16]


@pytest.mark.parametrize("path", ["/api/v1/bulk_logs/", "/api/v1/logs/", "/graphql"])
def test_a_body_over_the_limit_is_logged_as_a_refused_request(
    client: TestClient, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    oversized = b"[" + b" " * MAX_BODY_BYTES + b"]"
    headers = {"content-type": "application/json", "x-request-id": "big-1"}
    with caplog.at_level(logging.INFO):
        response = client.post(path, content=oversized, headers=headers)
    assert response.status_code == 413
    assert response.headers["x-request-id"] == "big-1"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    (line,) = [r for r in caplog.records if r.name == "lograph.access"]
    assert line.getMessage().startswith(f"POST {path} 413")
