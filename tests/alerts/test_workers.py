"""Two real app processes on one PostgreSQL database and one Redis: each alert fires once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
import redis
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from testing.server import Server, running_servers
from testing.services import REDIS_URL, require_redis, scratch_postgres_database
from tests.alerts.support import GRAPHQL_WS, SUBSCRIBE, TRANSPORT_WS, UPSERT, ago
from tests.conftest import REDIS_TURN
from tests.sockets import next_message

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DASHBOARD = "https://dashboard.example.com"
CHECK_INTERVAL = 0.5


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    require_redis()
    with REDIS_TURN.held():
        yield from _workers(tmp_path_factory)


def _workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    shared = redis.Redis.from_url(REDIS_URL)
    shared.flushdb()
    folder = tmp_path_factory.mktemp("workers")
    (folder / "rules.json").write_text("{}")
    with scratch_postgres_database() as database_url:
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "ENABLE_ALERTS": "true",
            "ALERT_CHECK_INTERVAL_SECONDS": str(CHECK_INTERVAL),
            "ALERT_RULES_FILE": str(folder / "rules.json"),
            "ALERT_WEBHOOK_URL": "",
            "CORS_ORIGINS": DASHBOARD,
        }
        with running_servers(2, env=env, log_dir=folder) as started:
            yield started
    shared.flushdb()
    shared.close()


class Subscriber:
    """One WebSocket with one `alerts` subscription, over either protocol."""

    def __init__(self, socket: ClientConnection, protocol: str) -> None:
        self.socket = socket
        self.socket.send(json.dumps({"type": "connection_init"}))
        assert self._message(timeout=5) == {"type": "connection_ack"}
        start = "subscribe" if protocol == TRANSPORT_WS else "start"
        self.socket.send(json.dumps({"id": "1", "type": start, "payload": {"query": SUBSCRIBE}}))

    def _message(self, *, timeout: float) -> dict[str, Any] | None:
        """The next message other than a keep-alive, or None after `timeout` seconds."""
        return next_message(self.socket, timeout=timeout)

    def first_alert(self, *, timeout: float) -> dict[str, Any] | None:
        message = self._message(timeout=timeout)
        return None if message is None else message["payload"]["data"]["alerts"]

    def alerts_until(self, deadline: float) -> list[dict[str, Any]]:
        """Every alert that has arrived or arrives before the (monotonic) deadline."""
        received = []
        while (alert := self.first_alert(timeout=deadline - time.monotonic())) is not None:
            received.append(alert)
        return received


def graphql(server: Server, query: str, **variables: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{server.base_url}/graphql", json={"query": query, "variables": variables}, trust_env=False
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def write(server: Server, service: str, *, over_graphql: bool) -> None:
    if over_graphql:
        log = {"level": "ERROR", "service": service, "message": "declined", "timestamp": ago(0)}
        graphql(server, "mutation($l: LogInput!) { createLog(input: $l) { id } }", l=log)
        return
    log = {"level": "ERROR", "service": service, "message": "declined", "timestamp": ago(0)}
    response = httpx.post(f"{server.base_url}/api/v1/bulk_logs/", json=[log], trust_env=False)
    assert response.status_code == 200, response.text


def warm_up(server: Server, subscribers: list[Subscriber]) -> None:
    """Fire a throwaway rule until every subscriber has seen it: all are registered."""
    rule = {"name": "warm-up", "service": "warm-up", "threshold": 1, "windowSeconds": 60}
    graphql(server, UPSERT, input={**rule, "cooldownSeconds": 0})
    waiting, deadline = list(subscribers), time.monotonic() + 15
    while waiting:
        assert time.monotonic() < deadline, "subscribers never saw the warm-up alert"
        write(server, "warm-up", over_graphql=False)
        waiting = [each for each in waiting if each.first_alert(timeout=0.5) is None]
    graphql(server, 'mutation { deleteAlertRule(name: "warm-up") { name } }')


def subscribe(stack: ExitStack, server: Server, protocol: str) -> Subscriber:
    socket = connect(server.ws, subprotocols=[protocol], proxy=None, open_timeout=5)  # type: ignore[list-item]
    return Subscriber(stack.enter_context(socket), protocol)


@pytest.mark.slow
def test_each_alert_fires_once_and_reaches_every_subscriber_once(workers: list[Server]) -> None:
    with ExitStack() as stack:
        subscribers = [
            subscribe(stack, server, protocol)
            for server in workers
            for protocol in (TRANSPORT_WS, GRAPHQL_WS)
        ]
        check_alerts_fire_once(workers, subscribers)


def check_alerts_fire_once(workers: list[Server], subscribers: list[Subscriber]) -> None:
    first, second = workers
    rule = {"name": "checkout", "service": "checkout", "threshold": 6, "windowSeconds": 60}
    graphql(first, UPSERT, input=rule)
    warm_up(first, subscribers)
    for index in range(10):  # the 6th crosses the threshold; 4 more fall in the cooldown
        write(workers[index % 2], "checkout", over_graphql=index % 2 == 1)
    # Long enough for both processes' periodic checks to run several times more.
    deadline = time.monotonic() + 4 * CHECK_INTERVAL
    received = [each.alerts_until(deadline) for each in subscribers]
    checkout = [[a for a in alerts if a["rule"] == "checkout"] for alerts in received]
    history = graphql(second, '{ alerts(rule: "checkout") { id rule count } }')["alerts"]
    assert len(history) == 1
    assert [[alert["id"] for alert in alerts] for alerts in checkout] == [[history[0]["id"]]] * 4
    assert history[0]["count"] >= 6


@pytest.mark.slow
def test_websockets_from_unlisted_origins_get_403(workers: list[Server]) -> None:
    server = workers[0]
    with (
        pytest.raises(InvalidStatus) as refused,
        connect(server.ws, origin=Origin("https://evil.example.com"), proxy=None),
    ):
        pass
    assert refused.value.response.status_code == 403
    with connect(server.ws, origin=Origin(DASHBOARD), proxy=None):
        pass


@pytest.mark.slow
def test_workers_logged_no_errors(workers: list[Server]) -> None:
    for server in workers:
        assert server.process.poll() is None
        log = server.log.read_text()
        assert "Traceback" not in log
        assert " ERROR " not in log
