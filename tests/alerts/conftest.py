"""Alert fixtures: alerts on, no seeded rules, no timer (tests settle evaluations explicitly)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from alerts import notifiers
from main import create_app
from tests.alerts.support import Receiver, wait_for
from tests.conftest import FAST_PATHS, app_settings, fast_path_params


def no_rules_in(directory: Path) -> str:
    """A legacy configuration with no keys: the first start seeds nothing."""
    path = directory / "no-rules.json"
    path.write_text("{}")
    return str(path)


def alert_settings_with(rules_file: str) -> dict[str, Any]:
    return {
        "enable_alerts": True,
        "alert_rules_file": rules_file,
        "alert_check_interval_seconds": 3600,
    }


@pytest.fixture
def no_rules_file(tmp_path: Path) -> str:
    return no_rules_in(tmp_path)


@pytest.fixture
def alert_settings(no_rules_file: str) -> dict[str, Any]:
    return alert_settings_with(no_rules_file)


@pytest.fixture(scope="module")
def module_settings_overrides(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The alert settings for the app a module's tests share."""
    return alert_settings_with(no_rules_in(tmp_path_factory.mktemp("alerts")))


@pytest.fixture
def settings_overrides(alert_settings: dict[str, Any]) -> dict[str, Any]:
    return alert_settings


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setattr(notifiers, "WEBHOOK_BACKOFF_SECONDS", 0.01)
    server = Receiver()
    thread = threading.Thread(target=server.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.server.shutdown()
        server.server.server_close()


@pytest.fixture(params=fast_path_params(["fast", "plain"]))
def fast_paths(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Every test here runs with the fast path and without: both must answer the same."""
    settings: dict[str, Any] = FAST_PATHS[request.param]
    return settings


@pytest.fixture(scope="module", params=fast_path_params(["fast", "plain"]))
def module_fast_paths(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Both ways too for the app a module's tests share (`module_client`)."""
    settings: dict[str, Any] = FAST_PATHS[request.param]
    return settings


@pytest.fixture
def shared_redis(redis_url: str) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_url) as connection:
        yield connection


@pytest.fixture
def other(
    client: TestClient,
    database_url: str,
    settings_overrides: dict[str, Any],
    shared_redis: redis.Redis,
) -> Iterator[TestClient]:
    """A second app on the same database and Redis, as another worker would be."""
    app = create_app(app_settings(database_url=database_url, **settings_overrides))
    with TestClient(app) as second:
        database = shared_redis.connection_pool.connection_kwargs.get("db") or 0
        channel = f"lograph:db{database}:alerts"
        seen: list[Any] = []

        def both() -> bool:
            seen[:] = shared_redis.pubsub_numsub(channel)
            return seen == [(channel.encode(), 2)]

        try:
            wait_for(both, what="both apps on the alerts channel")
        except AssertionError as error:
            raise AssertionError(f"{error}: subscribers {seen}") from None
        yield second
