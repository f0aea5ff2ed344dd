"""ALERTMANAGER_URL: a real Alertmanager receives lograph's alerts, reports them firing and then
resolved through its own API, and notifies its own webhook receiver of both."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from alerts import notifiers
from testing.alertmanager import running_alertmanager
from tests.alerts.support import Receiver, engine_of, sweep, wait_for, write_logs
from tests.alerts.test_lifecycle import delete_logs, lifecycle_rule

WAIT_SECONDS = 30.0  # Alertmanager notifies after its group_interval, on a busy machine


@pytest.fixture
def alertmanager(tmp_path: Path, receiver: Receiver) -> Iterator[str]:
    with running_alertmanager(tmp_path, webhook_url=receiver.url) as url:
        yield url


@pytest.fixture
def settings_overrides(alert_settings: dict[str, Any], alertmanager: str) -> dict[str, Any]:
    return {**alert_settings, "alertmanager_url": alertmanager}


def active_alerts(alertmanager: str) -> list[dict[str, Any]]:
    """What Alertmanager reports through its own API (resolved alerts are not listed)."""
    response = httpx.get(f"{alertmanager}/api/v2/alerts", timeout=5)
    response.raise_for_status()
    alerts: list[dict[str, Any]] = response.json()
    return alerts


def notified(receiver: Receiver, status: str) -> bool:
    return any(body["status"] == status for body in receiver.bodies)


@pytest.mark.slow  # a real Alertmanager process, and waits for its API
def test_alertmanager_reports_the_instance_firing_then_resolved(
    client: TestClient, alertmanager: str, receiver: Receiver
) -> None:
    lifecycle_rule(client)
    created = write_logs(client, 2, service="checkout")
    wait_for(lambda: len(active_alerts(alertmanager)) == 1, timeout=WAIT_SECONDS, what="firing")
    (alert,) = active_alerts(alertmanager)
    assert alert["labels"] == {"alertname": "checkout"}
    assert alert["status"]["state"] == "active"
    assert alert["generatorURL"].startswith("http://localhost:8000/graphql?")
    wait_for(lambda: notified(receiver, "firing"), timeout=WAIT_SECONDS, what="its notification")

    client.portal.call(engine_of(client).push_firing)  # type: ignore[union-attr]
    assert len(active_alerts(alertmanager)) == 1  # a re-send is the same alert

    delete_logs(client, created)
    sweep(client)
    wait_for(lambda: active_alerts(alertmanager) == [], timeout=WAIT_SECONDS, what="resolved")
    wait_for(lambda: notified(receiver, "resolved"), timeout=WAIT_SECONDS, what="the end")
    (resolved,) = [body for body in receiver.bodies if body["status"] == "resolved"]
    assert resolved["alerts"][0]["labels"] == {"alertname": "checkout"}


class TestUnreachable:
    @pytest.fixture
    def settings_overrides(
        self, alert_settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
    ) -> dict[str, Any]:
        monkeypatch.setattr(notifiers, "WEBHOOK_BACKOFF_SECONDS", 0.01)
        return {**alert_settings, "alertmanager_url": "http://127.0.0.1:1"}

    def test_an_unreachable_alertmanager_is_retried_then_logged_once_off_the_write_path(
        self, client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        lifecycle_rule(client)
        started = time.monotonic()
        write_logs(client, 2, service="checkout")
        assert time.monotonic() - started < 1
        wait_for(lambda: "alertmanager push failed" in caplog.text, what="the failure log")
        assert caplog.text.count("alertmanager push failed") == 1
        assert "ConnectError" in caplog.text
