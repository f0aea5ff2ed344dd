"""Failed authentication is rate-limited per client address: a flood of random keys gets 429,
not a database lookup each."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.access.support import ADMIN_KEY, bearer, call, codes, create_key, fresh_window
from tests.factories import log_json

FAILURES_PER_SECOND = 0.2  # one failure per 5 s window


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "enable_alerts": False,
        "auth_required": True,
        "admin_api_key": ADMIN_KEY,
        "auth_failures_per_second": FAILURES_PER_SECOND,
    }


def _random_key() -> str:
    return "lg_" + secrets.token_urlsafe(32)


@pytest.mark.slow
def test_a_flood_of_random_keys_is_refused_with_429_after_the_budget(client: TestClient) -> None:
    reader = create_key(client, "reader", "READ")
    assert client.get("/api/v1/logs/", headers=bearer(reader)).status_code == 200  # now cached
    fresh_window(5)
    answers = [client.get("/api/v1/logs/", headers=bearer(_random_key())) for _ in range(20)]
    assert [answer.status_code for answer in answers[:2]] == [401, 429]
    assert {answer.status_code for answer in answers[1:]} == {429}
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 5
    refused = call(client, "{ stats { totalLogs } }", key=_random_key())
    assert codes(refused) == {"RATE_LIMITED"}
    assert refused["errors"][0]["extensions"]["retryAfter"] >= 1
    missing = client.get("/api/v1/logs/")
    assert missing.status_code == 429
    posted = client.post("/api/v1/logs/", json=log_json(), headers=bearer(_random_key()))
    assert posted.status_code == 429
    # A key this process knows is still served; only keys that need a lookup wait.
    assert client.get("/api/v1/logs/", headers=bearer(reader)).status_code == 200


@pytest.mark.slow
def test_a_socket_with_a_random_key_after_the_budget_is_refused(client: TestClient) -> None:
    fresh_window(5)
    assert client.get("/api/v1/logs/", headers=bearer(_random_key())).status_code == 401
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"apiKey": _random_key()}})
        closed = ws.receive()
        assert closed["type"] == "websocket.close"
        assert closed["code"] == 4429, closed
        assert "rate limit" in closed["reason"]
