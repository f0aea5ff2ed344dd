"""Rule CRUD over GraphQL, and the validation every rule passes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.alerts.support import RULE_FIELDS, UPSERT, upsert_rule
from tests.conftest import gql

LIST = f"{{ alertRules {{ {RULE_FIELDS} }} }}"
DELETE = f"mutation($name: String!) {{ deleteAlertRule(name: $name) {{ {RULE_FIELDS} }} }}"


def test_upsert_creates_then_replaces_a_rule_and_resolves_the_cooldown(client: TestClient) -> None:
    created = upsert_rule(client, name="errors", level="ERROR", threshold=3, windowSeconds=30)
    assert created == {
        "name": "errors",
        "level": "ERROR",
        "minLevel": None,
        "service": None,
        "messageContains": None,
        "threshold": 3,
        "windowSeconds": 30,
        "cooldownSeconds": 30,
    }
    replaced = upsert_rule(
        client, name="errors", minLevel="WARN", service="api", threshold=5, cooldownSeconds=0
    )
    listed = gql(client, LIST)["data"]["alertRules"]
    assert listed == [replaced]
    assert replaced["level"] is None
    assert (replaced["minLevel"], replaced["service"], replaced["cooldownSeconds"]) == (
        "WARN",
        "api",
        0,
    )


def test_rules_are_listed_by_name(client: TestClient) -> None:
    for name in ["b", "c", "a"]:
        upsert_rule(client, name=name, messageContains="timeout", threshold=1)
    assert [rule["name"] for rule in gql(client, LIST)["data"]["alertRules"]] == ["a", "b", "c"]


def test_delete_returns_the_rule_then_null(client: TestClient) -> None:
    rule = upsert_rule(client, name="gone", service="api", threshold=1)
    assert gql(client, DELETE, {"name": "gone"})["data"]["deleteAlertRule"] == rule
    assert gql(client, DELETE, {"name": "gone"}) == {"data": {"deleteAlertRule": None}}
    assert gql(client, LIST)["data"]["alertRules"] == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"name": " "}, "name", "must not be empty"),
        ({"name": "x" * 101}, "name", "must be at most 100 characters"),
        ({"threshold": 0}, "threshold", "must be 1 or more"),
        ({"windowSeconds": 0}, "windowSeconds", "must be between 1 and 2592000"),
        ({"cooldownSeconds": -1}, "cooldownSeconds", "must be between 0 and 2592000"),
        ({"service": None}, "input", "needs at least one of"),
        ({"level": "ERROR", "minLevel": "WARN"}, "minLevel", "give level or minLevel, not both"),
        ({"service": ""}, "service", "must not be empty when given"),
        ({"service": "s" * 101}, "service", "must be at most 100 characters"),
        ({"messageContains": ""}, "messageContains", "must not be empty when given"),
    ],
)
def test_invalid_rules_are_refused_naming_the_field(
    client: TestClient, fields: dict[str, Any], field: str, reason: str
) -> None:
    rule = {"name": "r", "service": "api", "threshold": 1, "windowSeconds": 60, **fields}
    body = gql(client, UPSERT, {"input": rule})
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert reason in error["message"]
    assert gql(client, LIST)["data"]["alertRules"] == []
