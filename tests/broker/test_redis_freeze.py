"""Redis frozen (SIGSTOP) mid-run: every process falls back, and once Redis answers again goes
back to shared claims and fan-out on its own, saying so once each way, password never shown."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient
from websockets.sync.client import ClientConnection, connect

from main import create_app
from testing.redis_server import PrivateRedis, private_redis
from testing.server import Server, running_servers
from testing.services import scratch_postgres_database
from tests.conftest import app_settings

pytestmark = pytest.mark.redis

FROZEN_SECONDS = 8
DOWN = "Redis unavailable at"
BACK = "Redis is back at"
UPSERT = "mutation($r: AlertRuleInput!) { upsertAlertRule(input: $r) { name } }"
SUBSCRIBE = "subscription { alerts { id rule } }"


@pytest.fixture
def frozen_setup(tmp_path: Path) -> Iterator[tuple[PrivateRedis, list[Server]]]:
    (tmp_path / "rules.json").write_text("{}")
    with private_redis() as store, scratch_postgres_database() as database_url:
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": store.url,
            "ENABLE_ALERTS": "true",
            "ALERT_CHECK_INTERVAL_SECONDS": "0.5",
            "ALERT_RULES_FILE": str(tmp_path / "rules.json"),
            "ALERT_WEBHOOK_URL": "",
        }
        with running_servers(2, env=env, log_dir=tmp_path) as servers:
            yield store, servers


def graphql(server: Server, query: str, **variables: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{server.base_url}/graphql", json={"query": query, "variables": variables}, trust_env=False
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def add_rule(server: Server, service: str) -> None:
    rule = {"name": service, "service": service, "threshold": 1, "windowSeconds": 300}
    graphql(server, UPSERT, r={**rule, "cooldownSeconds": 300})


def write_log(server: Server, service: str) -> float:
    """Write one ERROR log; return how long the write took."""
    started = time.monotonic()
    log = {"level": "ERROR", "service": service, "message": "declined"}
    response = httpx.post(f"{server.base_url}/api/v1/logs/", json=log, trust_env=False)
    assert response.status_code == 200, response.text
    return time.monotonic() - started


def history(server: Server, rule: str) -> list[dict[str, Any]]:
    alerts: list[dict[str, Any]] = graphql(
        server, "query($r: String) { alerts(rule: $r) { id rule } }", r=rule
    )["alerts"]
    return alerts


def log_count(server: Server, text: str) -> int:
    return server.log.read_text().count(text)


def wait_until(condition: Any, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def subscribe(stack: ExitStack, server: Server) -> ClientConnection:
    socket = stack.enter_context(
        connect(server.ws, subprotocols=["graphql-transport-ws"], proxy=None, open_timeout=5)  # type: ignore[list-item]
    )
    socket.send(json.dumps({"type": "connection_init"}))
    assert json.loads(socket.recv(timeout=5)) == {"type": "connection_ack"}
    socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
    return socket


def next_alert(socket: ClientConnection, *, timeout: float) -> dict[str, Any]:
    message = json.loads(socket.recv(timeout=timeout))
    assert message["type"] == "next", message
    alert: dict[str, Any] = message["payload"]["data"]["alerts"]
    return alert


def both_subscribed(store: PrivateRedis, *, count: int = 2) -> bool:
    """Whether `count` processes listen on the alerts channel."""
    with redis.Redis.from_url(store.url) as client:
        channel = "lograph:db0:alerts"
        return bool(client.pubsub_numsub(channel) == [(channel.encode(), count)])


@pytest.mark.slow
@pytest.mark.postgres
def test_a_frozen_redis_is_an_outage_and_its_thaw_a_recovery(
    frozen_setup: tuple[PrivateRedis, list[Server]],
) -> None:
    store, (first, second) = frozen_setup
    for service in ("during", "after"):
        add_rule(first, service)
    wait_until(lambda: both_subscribed(store), timeout=10, what="both processes subscribed")

    store.freeze()
    try:
        # Writes go on unhindered; each process's claim times out and it falls back.
        deadline = time.monotonic() + FROZEN_SECONDS
        while time.monotonic() < deadline:
            assert write_log(first, "during") < 2.0
            assert write_log(second, "during") < 2.0
            time.sleep(0.5)
        for server in (first, second):
            assert log_count(server, DOWN) == 1, server.log.read_text()
    finally:
        store.thaw()

    for server in (first, second):
        wait_until(lambda s=server: log_count(s, BACK) == 1, timeout=20, what="the way back")
    wait_until(lambda: both_subscribed(store), timeout=10, what="both processes subscribed again")

    with ExitStack() as stack:
        there = subscribe(stack, second)
        time.sleep(0.5)  # the subscription is registered before the alert is fired
        write_log(first, "after")
        alert = next_alert(there, timeout=10)
        time.sleep(2)  # four periodic checks on each process: a second firing would show now
    assert history(second, "after") == [alert]  # one claim, fanned out to the other process
    with redis.Redis.from_url(store.url) as client:
        assert client.exists("lograph:alert:after")
    for server in (first, second):
        text = server.log.read_text()
        assert (text.count(DOWN), text.count(BACK)) == (1, 1), text
        assert store.password not in text
        assert f"redis://:***@127.0.0.1:{store.port}/0" in text


@pytest.mark.slow
def test_a_freeze_with_nothing_to_claim_is_noticed_by_the_subscription_ping(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="lograph.broker")
    (tmp_path / "rules.json").write_text("{}")
    with private_redis() as store:
        settings = app_settings(
            database_url=f"sqlite:///{tmp_path / 'lograph.db'}",
            redis_url=store.url,
            alert_rules_file=str(tmp_path / "rules.json"),
        )
        with TestClient(create_app(settings)):
            wait_until(lambda: both_subscribed(store, count=1), timeout=10, what="subscribed")
            store.freeze()
            try:
                wait_until(lambda: warnings(caplog, DOWN) == 1, timeout=10, what="the outage")
            finally:
                store.thaw()
            wait_until(lambda: warnings(caplog, BACK) == 1, timeout=10, what="the way back")
            wait_until(lambda: both_subscribed(store, count=1), timeout=10, what="resubscribed")
    assert (warnings(caplog, DOWN), warnings(caplog, BACK)) == (1, 1)
    assert store.password not in caplog.text


def warnings(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(text in record.getMessage() for record in caplog.records)
