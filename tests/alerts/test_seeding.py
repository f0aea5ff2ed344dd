"""The first start seeds the predecessor's rules (ALERT_RULES_FILE or its defaults), once."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from alerts.seeding import load_legacy_rules
from main import create_app
from settings import ConfigError
from tests.alerts.test_rules import DELETE, LIST
from tests.conftest import app_settings, gql

LEGACY_CONFIG = {
    "error": {"threshold": 3, "interval_sec": 30},
    "Warning": {"threshold": 7, "interval_sec": 120},
    "checkout-service": {"threshold": 2, "interval_sec": 10},
}


def rule(name: str, **fields: Any) -> dict[str, Any]:
    base = {"level": None, "minLevel": None, "service": None, "messageContains": None}
    return {"name": name, **base, **fields}


@pytest.fixture
def settings_overrides(alert_settings: dict[str, Any], request: pytest.FixtureRequest) -> Any:
    rules_file = getattr(request, "param", None)
    return {**alert_settings, "alert_rules_file": rules_file}


@pytest.fixture
def legacy_file(tmp_path: Path) -> str:
    path = tmp_path / "alerts.json"
    path.write_text(json.dumps(LEGACY_CONFIG))
    return str(path)


def test_defaults_are_the_predecessors_rules(client: TestClient) -> None:
    assert gql(client, LIST)["data"]["alertRules"] == [
        rule("ERROR", level="ERROR", threshold=10, windowSeconds=60, cooldownSeconds=60),
        rule(
            "payment-service",
            service="payment-service",
            threshold=5,
            windowSeconds=60,
            cooldownSeconds=60,
        ),
    ]


def test_legacy_file_keys_are_levels_or_services(
    database_url: str, legacy_file: str, alert_settings: dict[str, Any]
) -> None:
    settings = app_settings(
        database_url=database_url, **{**alert_settings, "alert_rules_file": legacy_file}
    )
    with TestClient(create_app(settings)) as client:
        rules = gql(client, LIST)["data"]["alertRules"]
        for name in LEGACY_CONFIG:
            gql(client, DELETE, {"name": name})
    assert rules == [
        rule("Warning", level="WARN", threshold=7, windowSeconds=120, cooldownSeconds=120),
        rule(
            "checkout-service",
            service="checkout-service",
            threshold=2,
            windowSeconds=10,
            cooldownSeconds=10,
        ),
        rule("error", level="ERROR", threshold=3, windowSeconds=30, cooldownSeconds=30),
    ]


def test_deleting_every_rule_does_not_bring_the_defaults_back(
    client: TestClient, database_url: str, settings_overrides: dict[str, Any]
) -> None:
    for name in ["ERROR", "payment-service"]:
        gql(client, DELETE, {"name": name})
    restarted = create_app(app_settings(database_url=database_url, **settings_overrides))
    with TestClient(restarted) as again:
        assert gql(again, LIST)["data"]["alertRules"] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "must be a JSON object"),
        (
            '{"ERROR": {"threshold": "9", "interval_sec": 60}}',
            "'ERROR'.threshold must be an integer",
        ),
        ('{"ERROR": {"threshold": 0, "interval_sec": 60}}', "threshold: must be 1 or more"),
        ('{"": {"threshold": 1, "interval_sec": 60}}', "name: must not be empty"),
        ("{not json", "Expecting property name"),
    ],
)
def test_a_bad_legacy_file_is_refused_in_one_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "alerts.json"
    path.write_text(content)
    with pytest.raises(
        ConfigError, match=f"^lograph: invalid ALERT_RULES_FILE: .*{re.escape(message)}"
    ):
        load_legacy_rules(str(path))
