"""Rules fire once the window holds `threshold` matching logs, then keep quiet for the cooldown."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.alerts.support import ago, history, settle, upsert_rule, write_logs
from tests.conftest import gql
from tests.factories import create_logs, log_json

CREATE = "mutation($input: LogInput!) { createLog(input: $input) { id } }"
BULK = "mutation($inputs: [LogInput!]!) { bulkCreate(inputs: $inputs) { count } }"


@pytest.fixture
def settings_overrides(alert_settings: dict[str, Any], request: pytest.FixtureRequest) -> Any:
    return {**alert_settings, **getattr(request, "param", {})}


def graphql_log(**fields: Any) -> dict[str, Any]:
    return {"level": "INFO", "service": "api", "message": "m", "timestamp": ago(1), **fields}


def test_every_write_path_counts_and_the_threshold_fires_not_one_less(client: TestClient) -> None:
    upsert_rule(client, name="api-errors", level="ERROR", service="api", threshold=4)
    error = {"level": "ERROR", "service": "api"}
    assert client.post("/api/v1/logs/", json=log_json(timestamp=ago(1), **error)).is_success
    write_logs(client, 1, **error)
    assert "errors" not in gql(client, CREATE, {"input": graphql_log(**error)})
    settle(client)
    assert history(client) == []
    assert "errors" not in gql(client, BULK, {"inputs": [graphql_log(**error)]})
    settle(client)
    (alert,) = history(client)
    assert alert["rule"] == "api-errors"
    assert (alert["count"], alert["threshold"], alert["windowSeconds"]) == (4, 4, 60)
    assert (alert["level"], alert["service"]) == ("ERROR", "api")


def test_logs_just_outside_the_window_do_not_count(client: TestClient) -> None:
    upsert_rule(client, name="payments", service="payments", threshold=2, windowSeconds=60)
    old, fresh = ago(61), ago(30)
    create_logs(client, log_json(service="payments", timestamp=old))
    create_logs(client, log_json(service="payments", timestamp=fresh))
    settle(client)
    assert history(client) == []
    write_logs(client, 1, service="payments")
    (alert,) = history(client)
    assert alert["count"] == 2
    assert [sample["timestamp"] for sample in alert["samples"]][1] == fresh


def test_samples_are_the_five_newest_matches(client: TestClient) -> None:
    upsert_rule(client, name="timeouts", minLevel="WARN", messageContains="TIMEOUT", threshold=7)
    matching = [
        log_json(level="WARN", message=f"db timeout {i}", timestamp=ago(20 - i)) for i in range(7)
    ]
    create_logs(client, log_json(level="INFO", message="timeout", timestamp=ago(1)), *matching)
    settle(client)
    (alert,) = history(client)
    assert alert["count"] == 7
    assert alert["level"] == "WARN"
    assert [sample["message"] for sample in alert["samples"]] == [
        f"db timeout {i}" for i in (6, 5, 4, 3, 2)
    ]


@pytest.mark.slow
def test_cooldown_holds_back_the_next_alert_until_it_ends(client: TestClient) -> None:
    upsert_rule(client, name="auth", service="auth", threshold=1, cooldownSeconds=1)
    fired = time.monotonic()  # no later than the first alert, which fires within the write
    write_logs(client, 1, service="auth")
    write_logs(client, 3, service="auth")
    assert len(history(client)) == 1
    deadline = fired + 3
    while len(history(client)) == 1:
        assert time.monotonic() < deadline, "the cooldown never ended"
        time.sleep(0.05)
        write_logs(client, 1, service="auth")
    assert time.monotonic() - fired >= 1
    newest, first = history(client)
    assert newest["id"] != first["id"]
    assert newest["firedAt"] > first["firedAt"]


def test_history_filters_by_rule_and_since_newest_first(client: TestClient) -> None:
    for name in ["one", "two"]:
        upsert_rule(client, name=name, service=name, threshold=1)
        write_logs(client, 1, service=name)
    two, one = history(client)
    assert (two["rule"], one["rule"]) == ("two", "one")
    assert history(client, rule="one") == [one]
    assert history(client, since=two["firedAt"]) == [two]
    assert history(client, limit=1) == [two]
    assert history(client, limit=None) == [two, one]
    error = gql(client, "{ alerts(limit: 1001) { id } }")["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "limit"}


@pytest.mark.parametrize("settings_overrides", [{"enable_alerts": False}], indirect=True)
def test_disabled_alerts_keep_rules_and_history_but_never_fire(client: TestClient) -> None:
    upsert_rule(client, name="quiet", service="api", threshold=1)
    write_logs(client, 3, service="api")
    assert history(client) == []
    rules = gql(client, "{ alertRules { name } }")["data"]["alertRules"]
    assert rules == [{"name": "quiet"}]
