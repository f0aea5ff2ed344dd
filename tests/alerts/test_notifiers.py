"""Every alert is logged, and POSTed to ALERT_WEBHOOK_URL with retries, off the write path."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.alerts.support import Receiver, history, upsert_rule, wait_for, write_logs


@pytest.fixture
def settings_overrides(alert_settings: dict[str, Any], receiver: Receiver) -> dict[str, Any]:
    return {**alert_settings, "alert_webhook_url": receiver.url}


def fire(client: TestClient) -> dict[str, Any]:
    upsert_rule(client, name="checkout", service="checkout", threshold=2)
    write_logs(client, 2, service="checkout")
    (alert,) = history(client)
    return alert


@pytest.mark.slow
def test_webhook_gets_the_alert_as_json_retrying_server_errors(
    client: TestClient, receiver: Receiver
) -> None:
    receiver.statuses = [503, 500]
    alert = fire(client)
    wait_for(lambda: len(receiver.bodies) == 3, what="three webhook attempts")
    first, _, last = receiver.bodies
    assert first == last
    assert last == alert
    assert receiver.statuses == []


@pytest.mark.slow
def test_webhook_gives_up_after_three_retries_and_logs_it(
    client: TestClient, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.statuses = [500] * 10
    alert = fire(client)
    wait_for(lambda: "webhook failed" in caplog.text, what="the failure log")
    assert len(receiver.bodies) == 4
    assert f"webhook failed for alert {alert['id']} of checkout: HTTP 500" in caplog.text


@pytest.mark.slow
def test_a_hanging_webhook_does_not_slow_writes(client: TestClient, receiver: Receiver) -> None:
    receiver.release.clear()
    started = time.monotonic()
    fire(client)
    wait_for(lambda: len(receiver.bodies) == 1, what="the webhook call")
    write_logs(client, 50, service="checkout")
    assert time.monotonic() - started < 1
    receiver.release.set()


def test_each_alert_is_one_structured_log_line(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lograph.alerts"):
        alert = fire(client)
    (line,) = [record for record in caplog.records if record.getMessage().startswith("alert fired")]
    fields = line.alert  # type: ignore[attr-defined]
    assert json.loads(line.getMessage().removeprefix("alert fired ")) == fields
    assert fields["id"] == alert["id"]
    assert (fields["rule"], fields["count"], fields["service"]) == ("checkout", 2, "checkout")
    assert fields["sampleIds"] == [sample["id"] for sample in alert["samples"]]
