"""Retention rules and passes through the app: what a pass removes, what it must keep, and
the counts that must agree with the logs left, on both backends."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from tests.conftest import gql
from tests.factories import create_logs, log_json

UPSERT = """
mutation($input: RetentionRuleInput!) {
  upsertRetentionRule(input: $input) { name services levels days priority }
}
"""
APPLY = "mutation { applyRetention { droppedPartitions deletedLogs oldestKept } }"
COUNTS = """
query($filter: LogFilter) {
  stats { totalLogs byService { service count } }
  logsConnection(filter: $filter, first: 1) { totalCount }
  logs(limit: 1000, order: ASC) { id service timestamp }
}
"""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"enable_alerts": False, "enable_patterns": False, "retention_days": 30}


@pytest.fixture
def started() -> float:
    return time.time()


@pytest.fixture
def client(started: float, client: TestClient) -> TestClient:
    """The app once the pass maintenance starts it with is over. That pass applies the rules
    it read when it began: rules a test writes while it runs would decide only from the next
    pass on, and a test's old logs could go by the rules it had not yet written."""
    deadline = time.monotonic() + 30
    while (_last_pass_ended() or 0) < started:
        assert time.monotonic() < deadline, "the start-up retention pass never ended"
        time.sleep(0.01)
    return client


def _last_pass_ended() -> float | None:
    return REGISTRY.get_sample_value("lograph_retention_last_pass", {"what": "ended_at"})


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def upsert(client: TestClient, **rule: Any) -> dict[str, Any]:
    return gql(client, UPSERT, {"input": rule})


def test_retention_rules_are_upserted_by_name_listed_and_deleted(client: TestClient) -> None:
    upsert(client, name="noisy", services=["a", "b"], levels=["DEBUG"], days=2)
    stored = upsert(client, name="noisy", services=["b"], days=3, priority=5)
    expected = {"name": "noisy", "services": ["b"], "levels": None, "days": 3, "priority": 5}
    assert stored["data"]["upsertRetentionRule"] == expected
    listed = gql(client, "{ retentionRules { name days } }")["data"]["retentionRules"]
    assert listed == [{"name": "noisy", "days": 3}]
    deleted = gql(client, 'mutation { deleteRetentionRule(name: "noisy") { name } }')
    assert deleted["data"]["deleteRetentionRule"] == {"name": "noisy"}
    again = gql(client, 'mutation { deleteRetentionRule(name: "noisy") { name } }')
    assert again["data"]["deleteRetentionRule"] is None


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"name": "r", "days": 0}, "days"),
        ({"name": "", "days": 1}, "name"),
        ({"name": "n" * 101, "days": 1}, "name"),
        ({"name": "r", "days": 1, "services": [f"s{i}" for i in range(101)]}, "services"),
        ({"name": "r", "days": 1, "services": [""]}, "services"),
    ],
)
def test_bad_retention_rules_are_refused_naming_the_field_and_nothing_is_stored(
    client: TestClient, rule: dict[str, Any], field: str
) -> None:
    answer = upsert(client, **rule)
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert field in error["message"]
    assert gql(client, "{ retentionRules { name } }")["data"]["retentionRules"] == []


def test_a_rule_with_an_unknown_level_is_refused_naming_the_field(client: TestClient) -> None:
    answer = upsert(client, name="r", days=1, levels=["LOUD"])
    (error,) = answer["errors"]
    assert "levels" in error["message"]
    assert gql(client, "{ retentionRules { name } }")["data"]["retentionRules"] == []


def test_a_pass_removes_what_rules_and_default_expired_and_keeps_the_rest(
    client: TestClient,
) -> None:
    upsert(client, name="short", services=["chatty"], days=2, priority=1)
    upsert(client, name="errors", services=["chatty"], levels=["ERROR"], days=60, priority=2)
    bodies = [
        log_json(service="old", timestamp=ago(days=45)),  # default 30 days: gone
        log_json(service="chatty", timestamp=ago(days=5)),  # rule `short`: gone
        log_json(service="chatty", level="ERROR", timestamp=ago(days=45)),  # `errors`: kept
        log_json(service="chatty", timestamp=ago(days=1)),  # kept
        log_json(service="other", timestamp=ago(days=20)),  # kept
    ]
    created = create_logs(client, *bodies)
    run = gql(client, APPLY)["data"]["applyRetention"]
    kept_ids = {created[i]["id"] for i in (2, 3, 4)}
    answer = gql(client, COUNTS)["data"]
    assert {int(log["id"]) for log in answer["logs"]} == kept_ids
    assert answer["stats"]["totalLogs"] == 3
    assert answer["logsConnection"]["totalCount"] == 3
    assert {row["service"]: row["count"] for row in answer["stats"]["byService"]} == {
        "chatty": 2,
        "other": 1,
    }
    assert run["deletedLogs"] + run["droppedPartitions"] >= 2
    assert datetime.fromisoformat(run["oldestKept"]) <= datetime.fromisoformat(ago(days=44))


def test_a_pass_never_removes_a_log_younger_than_its_rule_promised(client: TestClient) -> None:
    upsert(client, name="keep", days=10)  # matches every log: the default no longer decides
    create_logs(client, log_json(timestamp=ago(days=9, hours=23)))
    gql(client, APPLY)
    assert gql(client, COUNTS)["data"]["stats"]["totalLogs"] == 1


def test_a_rule_keeping_logs_past_year_one_keeps_them_and_the_pass_runs(
    client: TestClient,
) -> None:
    create_logs(client, log_json(timestamp=ago(days=3)))
    assert "errors" not in upsert(client, name="forever", days=1_000_000)
    run = gql(client, APPLY)
    assert "errors" not in run, run
    assert run["data"]["applyRetention"]["deletedLogs"] == 0
    assert gql(client, COUNTS)["data"]["stats"]["totalLogs"] == 1
