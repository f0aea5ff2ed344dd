"""Alert fixtures: alerts on, no seeded rules, no timer (tests settle evaluations explicitly)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from testing.services import REDIS_URL, require_redis


@pytest.fixture
def no_rules_file(tmp_path: Path) -> str:
    """A legacy configuration with no keys: the first start seeds nothing."""
    path = tmp_path / "no-rules.json"
    path.write_text("{}")
    return str(path)


@pytest.fixture
def alert_settings(no_rules_file: str) -> dict[str, Any]:
    return {
        "enable_alerts": True,
        "alert_rules_file": no_rules_file,
        "alert_check_interval_seconds": 3600,
    }


@pytest.fixture
def settings_overrides(alert_settings: dict[str, Any]) -> dict[str, Any]:
    return alert_settings


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The test Redis database, empty before and after the test."""
    require_redis()
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    try:
        yield REDIS_URL
    finally:
        connection.flushdb()
        connection.close()
