"""A new-pattern alert carries its pattern's template and sample to every receiver: the
webhook in each ALERT_WEBHOOK_FORMAT, and Alertmanager's push (ALERTMANAGER_URL)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.alerts.support import Receiver, wait_for
from tests.alerts.test_new_patterns import (
    DECLINED,
    declined_lines,
    new_pattern_rule,
    pattern_alerts,
)
from tests.patterns.support import catch_up

EXTERNAL_URL = "https://logs.example.com"
SAMPLE = "payment 1001 declined for user bob"


@pytest.fixture
def settings_overrides(
    alert_settings: dict[str, Any], receiver: Receiver, request: pytest.FixtureRequest
) -> dict[str, Any]:
    base = receiver.url.removesuffix("/hooks/alerts")
    return {
        **alert_settings,
        "enable_patterns": False,
        "alert_webhook_url": receiver.url,
        "alert_webhook_format": request.param,
        "alertmanager_url": base,
        "external_url": EXTERNAL_URL,
    }


def fire(client: TestClient, receiver: Receiver) -> tuple[dict[str, Any], Any, Any]:
    """The stored alert, the webhook's body and the Alertmanager push's body."""
    new_pattern_rule(client)
    declined_lines(client, ["ann", "bob"])
    catch_up(client)
    wait_for(lambda: len(receiver.bodies) == 2, what="the webhook and the push")
    (webhook,) = [body for body in receiver.bodies if isinstance(body, dict)]
    (push,) = [body for body in receiver.bodies if isinstance(body, list)]
    (alert,) = pattern_alerts(client)
    return alert, webhook, push


@pytest.mark.parametrize("settings_overrides", ["lograph"], indirect=True)
def test_lograph_webhook_names_the_pattern(client: TestClient, receiver: Receiver) -> None:
    alert, webhook, _ = fire(client, receiver)
    assert webhook["pattern"] == alert["pattern"]
    assert webhook["pattern"]["template"] == DECLINED
    assert webhook["samples"][0]["message"] == SAMPLE
    assert "state" not in webhook  # a one-shot firing's body, as before, plus its pattern


@pytest.mark.parametrize("settings_overrides", ["alertmanager"], indirect=True)
def test_alertmanager_webhook_and_push_carry_template_and_sample(
    client: TestClient, receiver: Receiver
) -> None:
    alert, webhook, push = fire(client, receiver)
    (sent,) = webhook["alerts"]
    (pushed,) = push
    for one in (sent, pushed):
        assert one["labels"] == alert["labels"]
        assert one["annotations"] == {
            "summary": f"new pattern in web: {DECLINED}",
            "template": DECLINED,
            "sample": SAMPLE,
        }
        assert "endsAt" not in one or one["endsAt"] == "0001-01-01T00:00:00Z"
    link = parse_qs(urlsplit(sent["generatorURL"]).query)
    shown = orjson.loads(link["variables"][0])["filter"]
    assert shown["patterns"] == [alert["pattern"]["id"]]
    assert shown["service"] == "web"


@pytest.mark.parametrize("settings_overrides", ["slack"], indirect=True)
def test_slack_message_says_the_template(client: TestClient, receiver: Receiver) -> None:
    _, webhook, _ = fire(client, receiver)
    assert webhook["text"] == f"[FIRING] new-in-web: new pattern in web: {DECLINED}"
