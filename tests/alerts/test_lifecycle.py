"""Lifecycle rules: one instance goes PENDING (for forSeconds), FIRING while the condition
holds, RESOLVED at the first evaluation where it does not; each change recorded and delivered
once."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.alerts.support import (
    TRANSPORT_WS,
    Receiver,
    assert_refused,
    assert_silent,
    receive,
    subscribed,
    sweep,
    upsert_rule,
    wait_for,
    write_logs,
)
from tests.conftest import gql

CHANGES = """query($state: AlertState) {
  alerts(rule: "checkout", state: $state) {
    id state firedAt startsAt endsAt fingerprint labels count
  }
}"""
DELETE_LOG = "mutation($id: ID!) { deleteLog(id: $id) { id } }"


def changes(client: TestClient, state: str | None = None) -> list[dict[str, Any]]:
    """The rule's changes, oldest first."""
    body = gql(client, CHANGES, {"state": state})
    assert "errors" not in body, body
    return list(reversed(body["data"]["alerts"]))


def states(client: TestClient) -> list[str]:
    return [change["state"] for change in changes(client)]


def lifecycle_rule(client: TestClient, **fields: Any) -> None:
    upsert_rule(client, name="checkout", service="checkout", threshold=2, lifecycle=True, **fields)


def delete_logs(client: TestClient, created: list[dict[str, Any]]) -> None:
    for log in created:
        assert "errors" not in gql(client, DELETE_LOG, {"id": str(log["id"])})


@pytest.mark.slow
def test_an_instance_fires_once_while_it_holds_and_resolves_when_it_stops(
    client: TestClient,
) -> None:
    lifecycle_rule(client)
    with subscribed(client, TRANSPORT_WS, rules=["checkout"]) as ws:
        created = write_logs(client, 2, service="checkout")
        firing = receive(ws)["payload"]["data"]["alerts"]
        created += write_logs(client, 2, service="checkout")
        sweep(client)
        assert_silent(ws, within=0.1)
        delete_logs(client, created[1:])
        sweep(client)
        resolved = receive(ws)["payload"]["data"]["alerts"]
    assert states(client) == ["FIRING", "RESOLVED"]
    fired, ended = changes(client)
    assert [firing["id"], resolved["id"]] == [fired["id"], ended["id"]]
    assert (fired["startsAt"], fired["endsAt"], fired["count"]) == (fired["firedAt"], None, 2)
    assert (ended["startsAt"], ended["endsAt"], ended["count"]) == (
        fired["startsAt"],
        ended["firedAt"],
        1,
    )
    assert fired["labels"] == ended["labels"] == {"alertname": "checkout"}
    assert fired["fingerprint"] == ended["fingerprint"]
    assert len(fired["fingerprint"]) == 16
    sweep(client)
    assert states(client) == ["FIRING", "RESOLVED"]


def test_a_resolved_instance_fires_again_with_the_same_fingerprint(client: TestClient) -> None:
    lifecycle_rule(client)
    created = write_logs(client, 2, service="checkout")
    delete_logs(client, created)
    sweep(client)
    write_logs(client, 2, service="checkout")
    assert states(client) == ["FIRING", "RESOLVED", "FIRING"]
    assert len({change["fingerprint"] for change in changes(client)}) == 1


def test_a_pending_instance_that_stops_holding_never_fires(client: TestClient) -> None:
    lifecycle_rule(client, forSeconds=3600)
    created = write_logs(client, 2, service="checkout")
    write_logs(client, 1, service="checkout")
    sweep(client)
    assert states(client) == ["PENDING"]
    delete_logs(client, created)
    sweep(client)
    assert states(client) == ["PENDING", "RESOLVED"]
    assert changes(client, "FIRING") == []


@pytest.mark.slow
def test_a_pending_instance_fires_once_it_held_for_for_seconds(client: TestClient) -> None:
    lifecycle_rule(client, forSeconds=1)
    write_logs(client, 2, service="checkout")
    (pending,) = changes(client)
    time.sleep(1.1)  # only a lower bound: the check below may run any time later
    sweep(client)
    assert states(client) == ["PENDING", "FIRING"]
    assert [change["id"] for change in changes(client, "PENDING")] == [pending["id"]]


def test_a_one_shot_rule_records_firings_that_never_resolve(client: TestClient) -> None:
    upsert_rule(client, name="checkout", service="checkout", threshold=1)
    write_logs(client, 1, service="checkout")
    (fired,) = changes(client)
    assert (fired["state"], fired["startsAt"], fired["endsAt"]) == (
        "FIRING",
        fired["firedAt"],
        None,
    )
    assert fired["labels"] == {"alertname": "checkout"}


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"lifecycle": True, "forSeconds": -1}, "forSeconds", "between 0 and 2592000"),
        ({"lifecycle": True, "forSeconds": 2592001}, "forSeconds", "between 0 and 2592000"),
        ({"forSeconds": 60}, "forSeconds", "only for lifecycle rules"),
        ({"lifecycle": True, "cooldownSeconds": 60}, "cooldownSeconds", "stay FIRING"),
    ],
)
def test_bad_lifecycle_fields_are_refused_naming_the_field(
    module_client: TestClient, fields: dict[str, Any], field: str, reason: str
) -> None:
    rule = {"name": "r", "service": "api", "threshold": 1, "windowSeconds": 60, **fields}
    assert_refused(module_client, rule, field=field, reason=reason)


class TestWebhook:
    @pytest.fixture
    def settings_overrides(
        self, alert_settings: dict[str, Any], receiver: Receiver
    ) -> dict[str, Any]:
        return {**alert_settings, "alert_webhook_url": receiver.url}

    @pytest.mark.slow
    def test_the_webhook_hears_of_firing_and_resolved_but_not_pending(
        self, client: TestClient, receiver: Receiver
    ) -> None:
        lifecycle_rule(client, forSeconds=1)
        created = write_logs(client, 2, service="checkout")
        time.sleep(1.1)
        sweep(client)
        delete_logs(client, created)
        sweep(client)
        _pending, fired, ended = changes(client)
        wait_for(lambda: len(receiver.bodies) == 2, what="two webhook calls")
        assert [body["id"] for body in receiver.bodies] == [fired["id"], ended["id"]]
        assert [body["state"] for body in receiver.bodies] == ["FIRING", "RESOLVED"]
        assert receiver.bodies[1]["endsAt"] is not None
        assert receiver.bodies[1]["fingerprint"] == fired["fingerprint"]
