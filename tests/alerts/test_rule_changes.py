"""A changed rule applies from its next evaluation: thresholds at once, cooldowns mid-way."""

from __future__ import annotations

import time
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from tests.alerts.support import history, settle, upsert_rule, write_logs


def test_a_lowered_threshold_fires_on_the_logs_already_there(client: TestClient) -> None:
    upsert_rule(client, name="pay", service="pay", threshold=5)
    write_logs(client, 2, service="pay")
    assert history(client) == []
    upsert_rule(client, name="pay", service="pay", threshold=2)
    settle(client)
    (alert,) = history(client)
    assert (alert["count"], alert["threshold"]) == (2, 2)


@pytest.mark.slow
def test_a_shortened_cooldown_ends_the_running_one(client: TestClient) -> None:
    upsert_rule(client, name="auth", service="auth", threshold=1, cooldownSeconds=3600)
    write_logs(client, 1, service="auth")
    fired = time.monotonic()
    write_logs(client, 1, service="auth")
    assert len(history(client)) == 1
    upsert_rule(client, name="auth", service="auth", threshold=1, cooldownSeconds=1)
    deadline = fired + 5
    while len(history(client)) == 1:
        assert time.monotonic() < deadline, "the shortened cooldown never ended"
        time.sleep(0.05)
        write_logs(client, 1, service="auth")
    assert len(history(client)) == 2


@pytest.mark.slow
def test_a_lengthened_cooldown_holds_the_rule_longer(client: TestClient) -> None:
    upsert_rule(client, name="auth", service="auth", threshold=1, cooldownSeconds=1)
    write_logs(client, 1, service="auth")
    upsert_rule(client, name="auth", service="auth", threshold=1, cooldownSeconds=3600)
    time.sleep(1.2)
    write_logs(client, 1, service="auth")
    assert len(history(client)) == 1


@pytest.mark.redis
class TestWithRedis:
    @pytest.fixture
    def settings_overrides(self, alert_settings: dict[str, Any], redis_url: str) -> Any:
        return {**alert_settings, "redis_url": redis_url}

    def test_a_shortened_cooldown_shortens_the_shared_claim(
        self, client: TestClient, shared_redis: redis.Redis
    ) -> None:
        upsert_rule(client, name="pay", service="pay", threshold=1, cooldownSeconds=3600)
        write_logs(client, 1, service="pay")
        assert shared_redis.ttl("lograph:alert:pay") > 3500
        upsert_rule(client, name="pay", service="pay", threshold=1, cooldownSeconds=600)
        assert 500 < shared_redis.ttl("lograph:alert:pay") <= 600

    @pytest.mark.slow
    def test_a_cooldown_shortened_below_the_elapsed_time_ends_the_claim(
        self, client: TestClient, shared_redis: redis.Redis
    ) -> None:
        upsert_rule(client, name="pay", service="pay", threshold=1, cooldownSeconds=3600)
        write_logs(client, 1, service="pay")
        time.sleep(1.1)
        upsert_rule(client, name="pay", service="pay", threshold=1, cooldownSeconds=1)
        settle(client)
        # The claim was dropped, so the evaluation the change queued fired on the same log.
        assert len(history(client)) == 2
        assert shared_redis.ttl("lograph:alert:pay") <= 1

    def test_a_claim_in_another_form_is_left_alone(
        self, client: TestClient, shared_redis: redis.Redis
    ) -> None:
        upsert_rule(client, name="pay", service="pay", threshold=1, cooldownSeconds=3600)
        shared_redis.set("lograph:alert:pay", "predecessor", ex=3600)
        upsert_rule(client, name="pay", service="pay", threshold=1, cooldownSeconds=1)
        assert shared_redis.ttl("lograph:alert:pay") > 3500
