"""Idempotency-Key: a retry gets the first answer and writes nothing again, in any process."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from testing.server import Server, production_options, running_servers
from testing.services import scratch_postgres_database
from tests.ingest import loki_push
from tests.ingest.conftest import logs_of, stored

NDJSON = {"content-type": "application/x-ndjson"}
LINE = b'{"level": "INFO", "service": "s", "message": "m"}\n'
OTLP = {"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"stringValue": "o"}}]}]}]}


def test_a_retry_gets_the_first_answer_and_writes_nothing(client: TestClient) -> None:
    headers = {**NDJSON, "idempotency-key": "batch-1"}
    first = client.post("/ingest/ndjson", content=LINE * 3 + b"{bad\n", headers=headers)
    retry = client.post("/ingest/ndjson", content=LINE * 3 + b"{bad\n", headers=headers)
    assert first.status_code == retry.status_code == 200
    assert retry.content == first.content
    assert retry.headers["idempotent-replayed"] == "true"
    assert len(stored(client)) == 3


def test_each_protocol_replays_its_own_answer(client: TestClient) -> None:
    loki = loki_push.push_request(loki_push.stream('{app="a"}', loki_push.entry(1, "x")))
    for _ in range(2):
        pushed = client.post(
            "/loki/api/v1/push",
            content=loki,
            headers={"content-type": "application/x-protobuf", "idempotency-key": "k"},
        )
        assert pushed.status_code == 204
        exported = client.post(
            "/v1/logs",
            json={
                "resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"stringValue": "o"}}]}]}]
            },
            headers={"idempotency-key": "k"},
        )
        assert exported.status_code == 200
    assert sorted(log["message"] for log in stored(client)) == ["o", "x"]


def test_refusals_are_replayed_too_but_keys_without_a_header_are_not_shared(
    client: TestClient,
) -> None:
    headers = {"content-type": "text/csv", "idempotency-key": "k2"}
    assert client.post("/ingest/ndjson", content=LINE, headers=headers).status_code == 415
    assert (
        client.post("/ingest/ndjson", content=LINE, headers={**headers, **NDJSON}).status_code
        == 415
    )
    assert client.post("/ingest/ndjson", content=LINE, headers=NDJSON).status_code == 200
    assert client.post("/ingest/ndjson", content=LINE, headers=NDJSON).status_code == 200
    assert len(stored(client)) == 2


@pytest.mark.parametrize("key", [b"", b"x" * 256, b"tab\there", "ключ".encode()])
def test_malformed_keys_are_400(client: TestClient, key: bytes) -> None:
    headers = {**NDJSON, "idempotency-key": key}
    response = client.post("/ingest/ndjson", content=LINE, headers=headers)
    assert response.status_code == 400
    assert stored(client) == []


def test_every_write_reaches_the_write_hook(client: TestClient) -> None:
    heard: list[Any] = []
    client.app.state.runtime.write_listeners.append(heard.extend)  # type: ignore[attr-defined]
    client.post("/ingest/ndjson", content=LINE * 2, headers=NDJSON)
    client.post(
        "/loki/api/v1/push",
        json={"streams": [{"stream": {"app": "l"}, "values": [["1", "from loki"]]}]},
    )
    client.post("/v1/logs", json=OTLP)
    assert [log.message for log in heard] == ["m", "m", "from loki", "o"]
    assert {log.id for log in heard} == {log["id"] for log in stored(client)}


@pytest.fixture(scope="module")
def two_servers() -> Iterator[tuple[list[Server], str]]:
    with scratch_postgres_database() as database_url:
        env = {"DATABASE_URL": database_url, "ENABLE_ALERTS": "false"}
        with running_servers(2, env=env) as servers:
            yield servers, database_url


@pytest.mark.slow
def test_a_key_in_flight_is_409_on_another_process_and_replayed_there_after(
    two_servers: tuple[list[Server], str],
) -> None:
    (first, second), database_url = two_servers
    headers = {**NDJSON, "idempotency-key": "across-processes"}
    release = threading.Event()

    def slow_body() -> Iterator[bytes]:
        yield LINE * 10
        release.wait(timeout=30)
        yield LINE * 10

    answers: list[httpx.Response] = []
    sender = threading.Thread(
        target=lambda: answers.append(
            httpx.post(f"{first.base_url}/ingest/ndjson", content=slow_body(), headers=headers)
        )
    )
    sender.start()
    engine = create_engine(database_url)
    try:
        _wait_for_claim(engine)
        in_flight = httpx.post(f"{second.base_url}/ingest/ndjson", content=LINE, headers=headers)
        assert in_flight.status_code == 409
        release.set()
        sender.join(timeout=30)
        (original,) = answers
        assert original.json() == {"accepted": 20, "rejected": [], "rejectedCount": 0}
        retry = httpx.post(f"{second.base_url}/ingest/ndjson", content=LINE * 20, headers=headers)
        assert (retry.status_code, retry.content) == (200, original.content)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM logs")).scalar_one() == 20
    finally:
        release.set()
        sender.join(timeout=30)
        engine.dispose()


def _wait_for_claim(engine: Any) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(text("SELECT count(*) FROM ingest_requests")).scalar_one():
                return
        time.sleep(0.05)
    raise AssertionError("the first request never claimed its key")


@pytest.mark.slow
def test_a_reused_key_with_a_different_body_is_422_naming_the_header(server: Server) -> None:
    headers = {**NDJSON, "idempotency-key": f"reused-{uuid.uuid4().hex}"}
    url = f"{server.base_url}/ingest/ndjson"
    service = f"svc-{uuid.uuid4().hex[:12]}"
    body = orjson.dumps({"level": "INFO", "service": service, "message": "m"}) + b"\n"
    assert httpx.post(url, content=body * 2, headers=headers).status_code == 200
    other = httpx.post(url, content=body * 3, headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    retry = httpx.post(url, content=body * 2, headers=headers)
    assert (retry.status_code, retry.headers["idempotent-replayed"]) == (200, "true")
    assert len(logs_of(server, service)) == 2


LEASE_S = 3.0


@pytest.mark.slow
def test_a_claim_outlives_a_killed_server_by_its_lease_only(tmp_path: Path) -> None:
    """A claim is renewed while its request runs, and lapses once its process is gone."""
    headers = {**NDJSON, "idempotency-key": "killed-mid-upload"}
    release = threading.Event()

    def slow_body() -> Iterator[bytes]:
        yield LINE * 10
        release.wait(timeout=60)
        yield LINE * 10

    with scratch_postgres_database() as database_url:
        env = {
            "DATABASE_URL": database_url,
            "ENABLE_ALERTS": "false",
            "IDEMPOTENCY_LEASE_SECONDS": str(LEASE_S),
        }
        engine = create_engine(database_url)
        options = production_options()
        try:
            with running_servers(2, env=env, log_dir=tmp_path, options=options) as (doomed, other):
                sender = threading.Thread(
                    target=_post_ignoring_errors,
                    args=(f"{doomed.base_url}/ingest/ndjson", slow_body(), headers),
                )
                sender.start()
                _wait_for_claim(engine)
                time.sleep(LEASE_S + 1)  # renewed meanwhile: still in flight
                url = f"{other.base_url}/ingest/ndjson"
                assert httpx.post(url, content=LINE, headers=headers).status_code == 409
                os.kill(doomed.pid, signal.SIGKILL)
                release.set()
                sender.join(timeout=30)
                deadline = time.monotonic() + LEASE_S + 60
                retry = httpx.post(url, content=LINE * 20, headers=headers)
                while retry.status_code == 409 and time.monotonic() < deadline:
                    time.sleep(0.5)
                    retry = httpx.post(url, content=LINE * 20, headers=headers)
                assert retry.json() == {"accepted": 20, "rejected": [], "rejectedCount": 0}
            with engine.connect() as connection:
                assert connection.execute(text("SELECT count(*) FROM logs")).scalar_one() == 20
        finally:
            release.set()
            engine.dispose()


def _post_ignoring_errors(url: str, body: Iterator[bytes], headers: dict[str, str]) -> None:
    with contextlib.suppress(httpx.TransportError):
        httpx.post(url, content=body, headers=headers, timeout=60)
