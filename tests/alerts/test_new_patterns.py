"""New-pattern rules (onNewPattern): one alert per pattern first mined after the rule was
stored, whose logs the rule's filter selects, carrying the pattern to every receiver."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.alerts.support import (
    TRANSPORT_WS,
    assert_refused,
    assert_silent,
    receive,
    subscribed,
    sweep,
    upsert_rule,
    write_logs,
)
from tests.conftest import gql
from tests.patterns.support import catch_up

PATTERN_HISTORY = """query($rule: String) {
  alerts(rule: $rule) {
    id rule count state labels fingerprint
    pattern { id service template }
    samples { id service message }
  }
}"""
SUBSCRIBE = """subscription($rules: [String!]) {
  alerts(rules: $rules) { id pattern { id service template } samples { message } }
}"""
DECLINED = "payment <NUM> declined for user <*>"


@pytest.fixture
def settings_overrides(alert_settings: dict[str, Any]) -> dict[str, Any]:
    return {**alert_settings, "enable_patterns": False}  # mined when a test says so


def pattern_alerts(client: TestClient, rule: str = "new-in-web") -> list[dict[str, Any]]:
    body = gql(client, PATTERN_HISTORY, {"rule": rule})
    assert "errors" not in body, body
    alerts: list[dict[str, Any]] = body["data"]["alerts"]
    return alerts


def cache_lines(client: TestClient, count: int, service: str = "web") -> None:
    for n in range(count):
        write_logs(client, 1, service=service, message=f"cache warmed in {n + 3} ms")


def declined_lines(client: TestClient, users: list[str], service: str = "web") -> None:
    for n, user in enumerate(users):
        write_logs(
            client, 1, service=service, message=f"payment {1000 + n} declined for user {user}"
        )


def new_pattern_rule(client: TestClient, **fields: Any) -> None:
    upsert_rule(client, name="new-in-web", onNewPattern=True, service="web", **fields)


@pytest.mark.slow
def test_a_new_template_fires_once_and_one_seen_before_the_rule_does_not(
    client: TestClient,
) -> None:
    cache_lines(client, 3)
    catch_up(client)
    new_pattern_rule(client)
    with subscribed(client, TRANSPORT_WS, rules=["new-in-web"], query=SUBSCRIBE) as ws:
        cache_lines(client, 2)
        declined_lines(client, ["ann", "bob"])
        catch_up(client)
        live = receive(ws)["payload"]["data"]["alerts"]
        declined_lines(client, ["carl", "dora"])
        catch_up(client)
        sweep(client)
        assert_silent(ws, within=0.2)
    (alert,) = pattern_alerts(client)
    assert alert["pattern"]["template"] == DECLINED
    assert alert["pattern"]["service"] == "web"
    assert [sample["message"] for sample in alert["samples"]] == [
        "payment 1001 declined for user bob",
        "payment 1000 declined for user ann",
    ]
    assert alert["count"] == 2
    assert alert["state"] == "FIRING"
    assert alert["labels"] == {
        "alertname": "new-in-web",
        "service": "web",
        "pattern_id": alert["pattern"]["id"],
    }
    assert live == {key: alert[key] for key in ("id", "pattern")} | {
        "samples": [{"message": sample["message"]} for sample in alert["samples"]]
    }


def test_only_patterns_with_logs_the_filter_selects_fire(client: TestClient) -> None:
    new_pattern_rule(client, minLevel="WARN")
    declined_lines(client, ["ann"], service="api")  # another service
    write_logs(client, 1, service="web", level="INFO", message="user ann signed in")
    write_logs(client, 1, service="web", level="ERROR", message="disk /var full on node 7")
    catch_up(client)
    (alert,) = pattern_alerts(client)
    assert alert["pattern"]["template"] == "disk /var full on node <NUM>"


def test_a_rule_with_no_filter_sees_every_service(client: TestClient) -> None:
    upsert_rule(client, name="anything-new", onNewPattern=True)
    declined_lines(client, ["ann"], service="api")
    cache_lines(client, 1)
    catch_up(client)
    services = sorted(
        alert["pattern"]["service"] for alert in pattern_alerts(client, "anything-new")
    )
    assert services == ["api", "web"]


def test_writes_and_the_periodic_check_never_fire_a_new_pattern_rule(client: TestClient) -> None:
    new_pattern_rule(client)
    declined_lines(client, ["ann", "bob", "carl"])
    sweep(client)
    assert pattern_alerts(client) == []


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"condition": "BELOW", "threshold": 1}, "condition"),
        ({"threshold": 2}, "threshold"),
        ({"cooldownSeconds": 60}, "cooldownSeconds"),
        ({"lifecycle": True}, "lifecycle"),
        ({"ratio": 0.5}, "ratio"),
        ({"forSeconds": 30}, "forSeconds"),
        ({"groupBy": ["service"]}, "groupBy"),
    ],
)
def test_a_new_pattern_rule_refuses_what_it_cannot_mean(
    module_client: TestClient, extra: dict[str, Any], field: str
) -> None:
    rule = {"name": "new", "windowSeconds": 60, "onNewPattern": True, **extra}
    reason = "only for" if field in ("ratio", "forSeconds", "groupBy") else "onNewPattern"
    assert_refused(module_client, rule, field=field, reason=reason)


def test_the_rule_shows_its_kind(client: TestClient) -> None:
    new_pattern_rule(client)
    body = gql(client, "{ alertRules { name onNewPattern filter } }")
    assert body["data"]["alertRules"] == [
        {"name": "new-in-web", "onNewPattern": True, "filter": {"service": "web"}}
    ]
