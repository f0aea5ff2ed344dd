"""Redis down at start or lost mid-run: one log line, per-process alerts, writes unaffected."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from testing.proxy import Proxy
from tests.alerts.support import (
    TRANSPORT_WS,
    assert_silent,
    fire,
    history,
    receive,
    subscribed,
    wait_for,
    write_logs,
)

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def proxy(redis_url: str) -> Iterator[Proxy]:
    forwarder = Proxy(("127.0.0.1", 6379))
    yield forwarder
    forwarder.cut()


@pytest.fixture
def settings_overrides(alert_settings: dict[str, Any], request: pytest.FixtureRequest) -> Any:
    if request.node.get_closest_marker("redis") is None:
        return {**alert_settings, "redis_url": DEAD_REDIS}
    port = request.getfixturevalue("proxy").port
    database = request.getfixturevalue("redis_url").rsplit("/", 1)[1]
    return {**alert_settings, "redis_url": f"redis://127.0.0.1:{port}/{database}"}


class BrokerLines(logging.Handler):
    """The broker's lines from the app's start to the test's end. caplog keeps a list per test
    phase and misses a line the app's loop thread logs between setup and call."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def count(self, text: str) -> int:
        return sum(text in line for line in list(self.lines))


@pytest.fixture(autouse=True)
def broker_lines(caplog: pytest.LogCaptureFixture) -> Iterator[BrokerLines]:
    """Autouse, so set up before the app starts."""
    caplog.set_level(logging.WARNING, logger="lograph.broker")
    handler = BrokerLines()
    logger = logging.getLogger("lograph.broker")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.mark.slow
def test_unreachable_redis_degrades_to_this_process(
    client: TestClient, broker_lines: BrokerLines
) -> None:
    with subscribed(client, TRANSPORT_WS) as ws:
        for name in ["one", "two"]:
            alert = fire(client, name)
            assert receive(ws)["payload"]["data"]["alerts"] == alert
        write_logs(client, 5, service="one")
        assert_silent(ws, within=0.1)
    assert len(history(client)) == 2
    assert broker_lines.count("Redis unavailable at redis://127.0.0.1:1/0") == 1


@pytest.mark.slow
@pytest.mark.redis
def test_redis_lost_mid_run_falls_back_then_reconnects(
    client: TestClient, proxy: Proxy, redis_url: str, broker_lines: BrokerLines
) -> None:
    shared = redis.Redis.from_url(redis_url)
    fire(client, "before")
    assert shared.exists("lograph:alert:before")

    proxy.cut()
    with subscribed(client, TRANSPORT_WS) as ws:
        alert = fire(client, "during")
        assert receive(ws)["payload"]["data"]["alerts"] == alert
        write_logs(client, 3, service="during")
        assert_silent(ws, within=0.1)
    assert not shared.exists("lograph:alert:during")
    assert broker_lines.count("Redis unavailable") == 1

    proxy.restore()
    wait_for(lambda: broker_lines.count("Redis is back") == 1, what="the reconnect")
    fire(client, "after")
    assert shared.exists("lograph:alert:after")
    assert [alert["rule"] for alert in history(client)] == ["after", "during", "before"]
    shared.close()
