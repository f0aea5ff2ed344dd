"""groupBy: one instance per service, level or metadata value, each with its own labels and
fingerprint; at most 100 groups per rule, the rest counted and warned about once."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from db import alert_history
from db.alert_history import AlertRecord, NewAlert
from tests.alerts.support import (
    ago,
    assert_refused,
    history,
    settle,
    sweep,
    upsert_rule,
    write_logs,
)
from tests.alerts.test_conditions import stored_long_ago
from tests.alerts.test_lifecycle import delete_logs
from tests.conftest import gql
from tests.factories import create_logs, log_json

CHANGES = """query($state: AlertState) {
  alerts(rule: "by-group", state: $state, limit: 1000) {
    state fingerprint labels count samples { service metadata }
  }
}"""


def changes(client: TestClient, state: str | None = None) -> list[dict[str, Any]]:
    body = gql(client, CHANGES, {"state": state})
    assert "errors" not in body, body
    return list(reversed(body["data"]["alerts"]))


def grouped_rule(client: TestClient, **fields: Any) -> None:
    rule = {"name": "by-group", "minLevel": "TRACE", "threshold": 2, "lifecycle": True}
    upsert_rule(client, **{**rule, **fields})


def test_each_service_has_its_own_instance_labels_and_fingerprint(client: TestClient) -> None:
    grouped_rule(client, groupBy=["service"])
    created = write_logs(client, 2, service="a")
    write_logs(client, 1, service="b")
    (a,) = changes(client)
    assert a["labels"] == {"alertname": "by-group", "service": "a"}
    assert (a["state"], a["count"]) == ("FIRING", 2)
    assert {sample["service"] for sample in a["samples"]} == {"a"}
    write_logs(client, 1, service="b")
    write_logs(client, 1, service="a")  # a stays FIRING: nothing new
    _, b = changes(client)
    assert b["labels"] == {"alertname": "by-group", "service": "b"}
    assert a["fingerprint"] != b["fingerprint"]
    delete_logs(client, created)
    sweep(client)
    assert [(c["state"], c["labels"]["service"]) for c in changes(client)] == [
        ("FIRING", "a"),
        ("FIRING", "b"),
        ("RESOLVED", "a"),
    ]


def test_the_changes_of_one_run_are_recorded_together_or_not_at_all(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    grouped_rule(client, groupBy=["service"], threshold=1)
    insert_alert, inserted = alert_history.insert_alert, []

    def the_second_fails(connection: Any, alert: NewAlert) -> AlertRecord:
        inserted.append(alert)
        if len(inserted) == 2:
            raise RuntimeError("the second history row is refused")
        return insert_alert(connection, alert)

    monkeypatch.setattr(alert_history, "insert_alert", the_second_fails)
    create_logs(client, *(log_json(timestamp=ago(1), service=name) for name in ("a", "b")))
    settle(client)
    assert len(inserted) == 2
    assert changes(client) == []  # the first change went with the second
    monkeypatch.setattr(alert_history, "insert_alert", insert_alert)
    sweep(client)
    assert sorted((c["state"], c["labels"]["service"]) for c in changes(client)) == [
        ("FIRING", "a"),
        ("FIRING", "b"),
    ]


def test_a_metadata_path_groups_by_its_value_and_absent_is_empty(client: TestClient) -> None:
    grouped_rule(client, groupBy=["cloud.region", "level"], threshold=1)
    for metadata in ({"cloud": {"region": "eu"}}, {"cloud": {"region": 7}}, {}):
        create_logs(client, log_json(level="ERROR", timestamp=ago(1), metadata_=metadata))
    settle(client)
    labels = sorted((c["labels"]["cloud_region"], c["labels"]["level"]) for c in changes(client))
    assert labels == [("", "ERROR"), ("7", "ERROR"), ("eu", "ERROR")]
    assert all(change["count"] == 1 for change in changes(client))


def test_below_fires_for_each_group_with_too_few_logs(client: TestClient) -> None:
    grouped_rule(client, groupBy=["service"], condition="BELOW", windowSeconds=3600)
    stored_long_ago(client, "by-group")
    write_logs(client, 1, service="a")
    write_logs(client, 2, service="b")
    sweep(client)
    (a,) = changes(client)
    assert (a["state"], a["labels"]["service"], a["count"]) == ("FIRING", "a", 1)


@pytest.mark.slow
def test_beyond_100_groups_the_rest_are_counted_and_warned_about_once(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    grouped_rule(client, groupBy=["service"], threshold=1)
    with caplog.at_level(logging.WARNING, logger="lograph.alerts"):
        create_logs(client, *(log_json(service=f"s{i}", timestamp=ago(1)) for i in range(101)))
        settle(client)
        sweep(client)
    assert len(changes(client, "FIRING")) == 100
    assert caplog.text.count("has 101 groups; only the 100 largest are evaluated") == 1


def test_a_write_to_a_firing_group_leaves_its_end_to_the_sweep(client: TestClient) -> None:
    """New logs only add to an ABOVE rule's counts: a write that only counts in groups FIRING
    already does not evaluate the rule, and their end is found by the next evaluation."""
    grouped_rule(client, groupBy=["service"])
    created = write_logs(client, 2, service="a")
    delete_logs(client, created)
    write_logs(client, 1, service="a")  # a no longer holds, but a write does not look
    assert [c["state"] for c in changes(client)] == ["FIRING"]
    sweep(client)
    assert [c["state"] for c in changes(client)] == ["FIRING", "RESOLVED"]


SHARED_RULES: dict[str, dict[str, Any]] = {
    "errors-1m": {"minLevel": "ERROR", "windowSeconds": 60, "threshold": 1},
    "errors-10m": {"minLevel": "ERROR", "windowSeconds": 600, "threshold": 2},
    "errors-1h": {"minLevel": "ERROR", "windowSeconds": 3600, "threshold": 3},
    "few-errors-1h": {
        "minLevel": "ERROR",
        "windowSeconds": 3600,
        "threshold": 3,
        "condition": "BELOW",
    },
    "flag-one": {
        "filter": {"metadata": [{"path": "flag", "equals": 1}]},
        "windowSeconds": 3600,
        "threshold": 1,
    },
    "flag-true": {
        "filter": {"metadata": [{"path": "flag", "equals": True}]},
        "windowSeconds": 3600,
        "threshold": 1,
    },
}


def test_rules_sharing_a_filter_each_count_their_own_window_and_equal_is_typed(
    client: TestClient,
) -> None:
    """The sweep counts each distinct filter once for every window: the answers stay each
    rule's own (1 and true are different metadata values, so two filters)."""
    for name, fields in SHARED_RULES.items():
        upsert_rule(client, name=name, lifecycle=True, groupBy=["service"], **fields)
    stored_long_ago(client, "few-errors-1h")
    errors = {"a": (30, 300, 1200), "b": (300, 1200, 1200), "c": (1200,)}
    bodies = [
        log_json(service=service, level="ERROR", timestamp=ago(age))
        for service, ages in errors.items()
        for age in ages
    ]
    bodies += [
        log_json(service="a", timestamp=ago(100), metadata_={"flag": 1}),
        log_json(service="b", timestamp=ago(100), metadata_={"flag": True}),
    ]
    create_logs(client, *bodies)
    sweep(client)
    query = "{ alerts(state: FIRING, limit: 1000) { rule count labels } }"
    fired: dict[str, list[tuple[str, int]]] = {name: [] for name in SHARED_RULES}
    for alert in gql(client, query)["data"]["alerts"]:
        fired[alert["rule"]].append((alert["labels"]["service"], alert["count"]))
    assert {name: sorted(each) for name, each in fired.items()} == {
        "errors-1m": [("a", 1)],
        "errors-10m": [("a", 2)],
        "errors-1h": [("a", 3), ("b", 3)],
        "few-errors-1h": [("c", 1)],
        "flag-one": [("a", 1)],
        "flag-true": [("b", 1)],
    }


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"groupBy": ["service", "level", "a", "b"]}, "groupBy", "at most 3"),
        ({"groupBy": ["a..b"]}, "groupBy[0]", "dot-separated"),
        ({"groupBy": ["service", "service"]}, "groupBy", "repeat"),
        ({"groupBy": ["service"], "lifecycle": False}, "groupBy", "only for lifecycle rules"),
    ],
)
def test_bad_group_by_is_refused_naming_the_field(
    module_client: TestClient, fields: dict[str, Any], field: str, reason: str
) -> None:
    rule = {"name": "r", "service": "api", "threshold": 1, "windowSeconds": 60, "lifecycle": True}
    assert_refused(module_client, {**rule, **fields}, field=field, reason=reason)
    assert history(module_client) == []


def test_a_write_evaluates_only_the_groups_it_counts_in(client: TestClient) -> None:
    grouped_rule(client, groupBy=["service"])
    created = write_logs(client, 2, service="a")
    delete_logs(client, created)  # a holds no more, but only the sweep looks at a now
    write_logs(client, 2, service="b")  # counts b alone: b fires, a is left FIRING
    write_logs(client, 1, service="c")  # c's one log: below the threshold, no instance
    assert [(c["state"], c["labels"]["service"]) for c in changes(client)] == [
        ("FIRING", "a"),
        ("FIRING", "b"),
    ]
    assert changes(client)[1]["count"] == 2
    sweep(client)  # every group: a resolves, b still holds
    write_logs(client, 1, service="c")  # c's second log fires it, from a count of c alone
    assert [(c["state"], c["labels"]["service"], c["count"]) for c in changes(client)] == [
        ("FIRING", "a", 2),
        ("FIRING", "b", 2),
        ("RESOLVED", "a", 0),
        ("FIRING", "c", 2),
    ]
