"""Rules over any query filter: metadata, messageMatches, anyOf and not, folded with the
legacy level, minLevel, service and messageContains fields."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.alerts.support import assert_refused, history, sweep, upsert_rule, write_logs
from tests.conftest import gql

LIST = "{ alertRules { name filter } }"
CHECKOUT_FAILURES = {
    "metadata": [{"path": "order.total", "gte": 100}],
    "messageMatches": "^pay(ment)? failed",
    "anyOf": [{"service": "checkout"}, {"services": ["cart", "basket"]}],
    "not": {"metadata": [{"path": "test", "equals": True}]},
}


def failure(**fields: Any) -> dict[str, Any]:
    """A recent log the CHECKOUT_FAILURES filter matches, unless `fields` say otherwise."""
    body = {
        "service": "checkout",
        "message": "payment failed",
        "metadata_": {"order": {"total": 120}},
    }
    return {**body, **fields}


def test_the_rule_shows_its_filter_with_the_legacy_fields_folded_in(client: TestClient) -> None:
    upsert_rule(client, name="big", level="ERROR", filter=CHECKOUT_FAILURES, threshold=1)
    upsert_rule(client, name="legacy", minLevel="WARN", service="api", threshold=1)
    rules = {rule["name"]: rule["filter"] for rule in gql(client, LIST)["data"]["alertRules"]}
    assert rules == {
        "big": {"level": "ERROR", **CHECKOUT_FAILURES},
        "legacy": {"minLevel": "WARN", "service": "api"},
    }


@pytest.mark.parametrize(
    "other",
    [
        {"service": "auth"},  # anyOf holds for neither branch
        {"message": "payment ok"},  # messageMatches
        {"metadata_": {"order": {"total": 99}}},  # metadata gte
        {"metadata_": {"order": {"total": 120}, "test": True}},  # not
        {"level": "INFO"},  # the folded level
    ],
)
def test_a_filtered_rule_counts_only_logs_its_whole_filter_selects(
    client: TestClient, other: dict[str, Any]
) -> None:
    upsert_rule(client, name="checkout", level="ERROR", filter=CHECKOUT_FAILURES, threshold=2)
    write_logs(client, 1, **failure(level="ERROR", service="basket"))
    write_logs(client, 1, **{"level": "ERROR", **failure(**other)})
    sweep(client)  # the SQL count agrees with the in-memory pick: still one match
    assert history(client) == []
    write_logs(client, 1, **failure(level="ERROR"))
    (alert,) = history(client)
    assert alert["count"] == 2
    assert {sample["service"] for sample in alert["samples"]} == {"basket", "checkout"}


def test_the_periodic_check_counts_a_filtered_rule_in_sql(client: TestClient) -> None:
    upsert_rule(client, name="checkout", filter=CHECKOUT_FAILURES, threshold=2)
    client.app.state.alert_engine.enabled = False  # type: ignore[attr-defined]
    write_logs(client, 2, **failure())
    client.app.state.alert_engine.enabled = True  # type: ignore[attr-defined]
    assert history(client) == []
    sweep(client)
    assert history(client)[0]["count"] == 2


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"filter": {"startTime": "2026-01-01T00:00:00Z"}}, "filter.startTime", "window"),
        ({"filter": {"endTime": "2026-01-01T00:00:00Z"}}, "filter.endTime", "window"),
        ({"filter": {"service": "api"}}, "filter.service", "also given as service"),
        (
            {"filter": {"metadata": [{"path": "a..b", "exists": True}]}},
            "filter.metadata[0].path",
            "dot-separated",
        ),
        ({"filter": {"messageMatches": "(a"}}, "filter.messageMatches", ""),
        (
            {"filter": {"anyOf": [{"not": {"not": {"not": {"not": {"not": {}}}}}}]}},
            "filter",
            "nest",
        ),
    ],
)
def test_a_bad_filter_is_refused_naming_the_field_and_nothing_is_stored(
    module_client: TestClient, fields: dict[str, Any], field: str, reason: str
) -> None:
    rule = {"name": "r", "service": "api", "threshold": 1, "windowSeconds": 60, **fields}
    assert_refused(module_client, rule, field=field, reason=reason)


def test_a_filter_alone_is_a_match_condition(client: TestClient) -> None:
    upsert_rule(client, name="any-fatal", filter={"levels": ["FATAL"]}, threshold=1)
    assert gql(client, LIST)["data"]["alertRules"][0]["filter"] == {"levels": ["FATAL"]}
    write_logs(client, 1, level="INFO")
    write_logs(client, 1, level="FATAL")
    assert len(history(client)) == 1
