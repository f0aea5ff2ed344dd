"""With Redis, apps sharing a database fire each alert once and all their subscribers get it."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from tests.alerts.support import (
    GRAPHQL_WS,
    TRANSPORT_WS,
    assert_silent,
    history,
    receive,
    subscribed,
    upsert_rule,
    wait_for,
    write_logs,
)

pytestmark = pytest.mark.redis


@pytest.fixture
def settings_overrides(alert_settings: dict[str, Any], redis_url: str) -> dict[str, Any]:
    return {**alert_settings, "redis_url": redis_url}


@pytest.fixture
def other(checkout_rule: None, other: TestClient) -> TestClient:
    """The second app, started once the rule exists (fixtures are set up in the order named)."""
    return other


@pytest.fixture
def checkout_rule(client: TestClient) -> None:
    upsert_rule(client, name="checkout", service="checkout", threshold=3)


def test_an_alert_fires_once_and_reaches_every_apps_subscribers(
    client: TestClient, other: TestClient, shared_redis: redis.Redis
) -> None:
    with subscribed(client, TRANSPORT_WS) as here, subscribed(other, GRAPHQL_WS) as there:
        write_logs(client, 3, service="checkout")
        (alert,) = history(client)
        assert receive(here)["payload"]["data"]["alerts"] == alert
        assert receive(there)["payload"]["data"]["alerts"] == alert
        write_logs(other, 2, service="checkout")
        assert history(other) == [alert]
        assert_silent(here, within=0.1)
        assert_silent(there, within=0.1)
    assert 0 < shared_redis.ttl("lograph:alert:checkout") <= 60


def test_the_claim_is_shared_even_before_the_fan_out_arrives(
    client: TestClient, other: TestClient, shared_redis: redis.Redis
) -> None:
    shared_redis.set("lograph:alert:checkout", "another-host", ex=60)
    write_logs(client, 3, service="checkout")
    write_logs(other, 1, service="checkout")
    assert history(client) == []


def test_rule_changes_reach_the_other_app(client: TestClient, other: TestClient) -> None:
    upsert_rule(client, name="late", service="late", threshold=1)

    def fired_there() -> bool:
        write_logs(other, 1, service="late")
        return bool(history(other, rule="late"))

    wait_for(fired_there, what="the other app to load the new rule")


@pytest.mark.slow
def test_a_zero_cooldown_claims_for_the_shortest_redis_expiry(
    client: TestClient, shared_redis: redis.Redis
) -> None:
    upsert_rule(client, name="noisy", service="noisy", threshold=1, cooldownSeconds=0)
    write_logs(client, 1, service="noisy")
    assert len(history(client)) == 1
    assert shared_redis.ttl("lograph:alert:noisy") == 1
