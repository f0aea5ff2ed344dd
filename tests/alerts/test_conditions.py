"""Conditions: ABOVE as before, BELOW (a heartbeat, checked by the periodic sweep once a rule
is a window old) and RATIO_ABOVE (a share of a base filter's logs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from db.models import alert_rules
from tests.alerts.support import (
    assert_refused,
    engine_of,
    history,
    sweep,
    upsert_rule,
    write_logs,
)
from tests.conftest import gql

LIST = "{ alertRules { name condition threshold ratio baseFilter minBaseCount } }"


def rules(client: TestClient) -> dict[str, dict[str, Any]]:
    return {rule.pop("name"): rule for rule in gql(client, LIST)["data"]["alertRules"]}


def stored_long_ago(client: TestClient, name: str) -> None:
    """Make the rule look stored two hours ago, as if it had been watching since then."""
    earlier = datetime.now(UTC) - timedelta(hours=2)
    statement = update(alert_rules).where(alert_rules.c.name == name).values(updated_at=earlier)
    client.portal.call(engine_of(client).db.write, lambda c: c.execute(statement))  # type: ignore[union-attr]


def test_a_rule_shows_its_condition_and_an_old_style_rule_is_above(client: TestClient) -> None:
    upsert_rule(client, name="old", service="api", threshold=3)
    upsert_rule(
        client,
        name="share",
        level="ERROR",
        condition="RATIO_ABOVE",
        ratio=0.05,
        minBaseCount=20,
    )
    upsert_rule(client, name="quiet", service="payments", condition="BELOW", threshold=1)
    assert rules(client) == {
        "old": {
            "condition": "ABOVE",
            "threshold": 3,
            "ratio": None,
            "baseFilter": None,
            "minBaseCount": 1,
        },
        "share": {
            "condition": "RATIO_ABOVE",
            "threshold": 1,
            "ratio": 0.05,
            "baseFilter": {},
            "minBaseCount": 20,
        },
        "quiet": {
            "condition": "BELOW",
            "threshold": 1,
            "ratio": None,
            "baseFilter": None,
            "minBaseCount": 1,
        },
    }


def test_below_waits_until_the_rule_is_a_window_old(client: TestClient) -> None:
    upsert_rule(
        client,
        name="heartbeat",
        service="payments",
        condition="BELOW",
        threshold=1,
        windowSeconds=3600,
    )
    sweep(client)
    assert history(client) == []


def test_below_fires_on_the_sweep_when_too_few_logs_arrived_and_writes_never_fire_it(
    client: TestClient,
) -> None:
    upsert_rule(
        client,
        name="heartbeat",
        service="payments",
        condition="BELOW",
        threshold=2,
        windowSeconds=3600,
    )
    stored_long_ago(client, "heartbeat")
    write_logs(client, 1, service="payments")
    assert history(client) == []
    sweep(client)
    (alert,) = history(client)
    assert (alert["rule"], alert["count"], alert["threshold"]) == ("heartbeat", 1, 2)
    assert [sample["service"] for sample in alert["samples"]] == ["payments"]


def test_below_holds_quiet_while_the_window_has_enough_logs(client: TestClient) -> None:
    upsert_rule(
        client,
        name="heartbeat",
        service="payments",
        condition="BELOW",
        threshold=1,
        windowSeconds=3600,
    )
    stored_long_ago(client, "heartbeat")
    write_logs(client, 1, service="payments")
    sweep(client)
    assert history(client) == []


def test_ratio_above_fires_when_the_share_of_base_logs_reaches_the_ratio(
    client: TestClient,
) -> None:
    upsert_rule(
        client,
        name="checkout-errors",
        level="ERROR",
        condition="RATIO_ABOVE",
        ratio=0.5,
        baseFilter={"service": "checkout"},
        minBaseCount=4,
    )
    write_logs(client, 1, level="ERROR", service="checkout")
    write_logs(client, 1, level="INFO", service="checkout")  # 1 of 2, but fewer than 4 base logs
    write_logs(client, 2, level="ERROR", service="cart")  # errors, but not among the base
    write_logs(client, 2, level="INFO", service="checkout")  # 1 of 4
    write_logs(client, 1, level="ERROR", service="checkout")  # 2 of 5
    assert history(client) == []
    write_logs(client, 1, level="ERROR", service="checkout")  # 3 of 6
    (alert,) = history(client)
    assert alert["count"] == 3
    assert {sample["service"] for sample in alert["samples"]} == {"checkout"}


def test_ratio_above_without_a_base_takes_the_share_of_every_log(client: TestClient) -> None:
    upsert_rule(client, name="errors", level="ERROR", condition="RATIO_ABOVE", ratio=1.0)
    write_logs(client, 1, level="INFO")
    write_logs(client, 1, level="ERROR")
    sweep(client)
    assert history(client) == []


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"condition": "RATIO_ABOVE", "ratio": 0}, "ratio", "greater than 0 and at most 1"),
        ({"condition": "RATIO_ABOVE", "ratio": 1.5}, "ratio", "greater than 0 and at most 1"),
        ({"condition": "RATIO_ABOVE"}, "ratio", "required for RATIO_ABOVE"),
        ({"ratio": 0.5, "threshold": 1}, "ratio", "only for RATIO_ABOVE"),
        ({"baseFilter": {}, "threshold": 1}, "baseFilter", "only for RATIO_ABOVE"),
        ({"condition": "BELOW", "threshold": 0}, "threshold", "must be 1 or more"),
        ({"condition": "BELOW"}, "threshold", "required for BELOW"),
        ({}, "threshold", "required for ABOVE"),
        (
            {"condition": "RATIO_ABOVE", "ratio": 0.1, "minBaseCount": 0},
            "minBaseCount",
            "1 or more",
        ),
        (
            {"condition": "RATIO_ABOVE", "ratio": 0.1, "baseFilter": {"metadata": [{"path": ""}]}},
            "baseFilter.metadata[0].path",
            "",
        ),
        (
            {
                "condition": "RATIO_ABOVE",
                "ratio": 0.1,
                "baseFilter": {"endTime": "2026-01-01T00:00:00Z"},
            },
            "baseFilter.endTime",
            "window",
        ),
    ],
)
def test_a_bad_condition_is_refused_naming_the_field_and_nothing_is_stored(
    module_client: TestClient, fields: dict[str, Any], field: str, reason: str
) -> None:
    rule = {"name": "r", "service": "api", "windowSeconds": 60, **fields}
    assert_refused(module_client, rule, field=field, reason=reason)
