"""ALERT_WEBHOOK_FORMAT: Alertmanager's webhook body (version 4) and Slack's, for one-shot
firings and lifecycle changes alike."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.alerts.support import Receiver, sweep, upsert_rule, wait_for, write_logs
from tests.alerts.test_lifecycle import changes, delete_logs, lifecycle_rule
from tests.conftest import gql

EXTERNAL_URL = "https://logs.example.com"


@pytest.fixture
def settings_overrides(
    alert_settings: dict[str, Any], receiver: Receiver, request: pytest.FixtureRequest
) -> dict[str, Any]:
    return {
        **alert_settings,
        "alert_webhook_url": receiver.url,
        "alert_webhook_format": request.param,
        "external_url": EXTERNAL_URL,
    }


def fire_and_resolve(client: TestClient, receiver: Receiver) -> list[dict[str, Any]]:
    lifecycle_rule(client)
    created = write_logs(client, 2, service="checkout")
    delete_logs(client, created)
    sweep(client)
    wait_for(lambda: len(receiver.bodies) == 2, what="two webhook calls")
    return receiver.bodies


@pytest.mark.parametrize("settings_overrides", ["alertmanager"], indirect=True)
def test_alertmanager_format_is_its_webhook_payload_version_4(
    client: TestClient, receiver: Receiver
) -> None:
    firing, resolved = fire_and_resolve(client, receiver)
    fired, ended = changes(client)
    labels = {"alertname": "checkout"}
    for body, status in ((firing, "firing"), (resolved, "resolved")):
        assert {
            key: body[key] for key in body if key != "alerts" and key != "commonAnnotations"
        } == {
            "version": "4",
            "groupKey": '{}:{alertname="checkout"}',
            "truncatedAlerts": 0,
            "status": status,
            "receiver": "lograph",
            "groupLabels": labels,
            "commonLabels": labels,
            "externalURL": EXTERNAL_URL,
        }
        (alert,) = body["alerts"]
        assert alert["status"] == status
        assert alert["labels"] == labels
        assert alert["fingerprint"] == fired["fingerprint"]
        assert body["commonAnnotations"] == alert["annotations"]
        assert "matching logs" in alert["annotations"]["summary"]
    assert firing["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z"
    assert resolved["alerts"][0]["startsAt"] == firing["alerts"][0]["startsAt"]
    assert resolved["alerts"][0]["endsAt"] == ended["endsAt"].replace("+00:00", "Z")


@pytest.mark.parametrize("settings_overrides", ["alertmanager"], indirect=True)
def test_the_generator_url_opens_the_instances_logs_in_graphiql(
    client: TestClient, receiver: Receiver
) -> None:
    firing, _ = fire_and_resolve(client, receiver)
    link = urlsplit(firing["alerts"][0]["generatorURL"])
    assert f"{link.scheme}://{link.netloc}{link.path}" == f"{EXTERNAL_URL}/graphql"
    query = parse_qs(link.query)
    variables = orjson.loads(query["variables"][0])
    answer = gql(client, query["q"][0], variables)
    assert [log["service"] for log in answer["data"]["logs"]] == []  # deleted to resolve it
    assert variables["filter"]["service"] == "checkout"
    assert variables["filter"]["startTime"] < variables["filter"]["endTime"]


@pytest.mark.parametrize("settings_overrides", ["slack"], indirect=True)
def test_slack_format_is_an_incoming_webhook_body(client: TestClient, receiver: Receiver) -> None:
    firing, resolved = fire_and_resolve(client, receiver)
    assert firing["text"].startswith("[FIRING] checkout: 2 matching logs")
    assert resolved["text"].startswith("[RESOLVED] checkout:")
    section, context = firing["blocks"]
    assert section["type"] == "section"
    assert firing["text"] in section["text"]["text"]
    assert f"<{EXTERNAL_URL}/graphql?" in context["elements"][0]["text"]


@pytest.mark.parametrize("settings_overrides", ["alertmanager"], indirect=True)
def test_a_one_shot_firing_is_a_firing_alert_without_an_end(
    client: TestClient, receiver: Receiver
) -> None:
    upsert_rule(client, name="once", service="once", threshold=1)
    write_logs(client, 1, service="once")
    wait_for(lambda: len(receiver.bodies) == 1, what="the webhook call")
    (alert,) = receiver.bodies[0]["alerts"]
    assert (alert["status"], alert["endsAt"]) == ("firing", "0001-01-01T00:00:00Z")
