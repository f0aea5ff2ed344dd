"""With Redis, two apps sharing a database record each state change of an instance once, and
every subscriber of either app receives it once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from main import create_app
from tests.alerts.support import (
    GRAPHQL_WS,
    TRANSPORT_WS,
    assert_silent,
    receive,
    subscribed,
    sweep,
    upsert_rule,
    wait_for,
    write_logs,
)
from tests.alerts.test_lifecycle import delete_logs, states
from tests.conftest import app_settings

pytestmark = pytest.mark.redis


@pytest.fixture
def settings_overrides(alert_settings: dict[str, Any], redis_url: str) -> dict[str, Any]:
    return {**alert_settings, "redis_url": redis_url}


@pytest.fixture
def other(
    client: TestClient, database_url: str, settings_overrides: dict[str, Any], redis_url: str
) -> Iterator[TestClient]:
    """A second app on the same database and Redis, as another worker would be."""
    app = create_app(app_settings(database_url=database_url, **settings_overrides))
    with TestClient(app) as second, redis.Redis.from_url(redis_url) as shared:
        database = shared.connection_pool.connection_kwargs.get("db") or 0
        channel = f"lograph:db{database}:alerts"
        wait_for(
            lambda: shared.pubsub_numsub(channel) == [(channel.encode(), 2)],
            what="both apps on the alerts channel",
        )
        yield second


def test_each_state_change_is_recorded_once_and_reaches_every_subscriber_once(
    client: TestClient, other: TestClient
) -> None:
    upsert_rule(client, name="checkout", service="checkout", threshold=2, lifecycle=True)
    sweep(other)  # reloads the rules there now, not at the next rule-change message
    with subscribed(client, TRANSPORT_WS) as here, subscribed(other, GRAPHQL_WS) as there:
        created = write_logs(client, 1, service="checkout")
        created += write_logs(other, 1, service="checkout")
        sweep(client)
        sweep(other)
        firing = [receive(ws)["payload"]["data"]["alerts"] for ws in (here, there)]
        created += write_logs(other, 1, service="checkout")
        delete_logs(client, created[1:])
        sweep(other)
        sweep(client)
        resolved = [receive(ws)["payload"]["data"]["alerts"] for ws in (here, there)]
        sweep(client)
        sweep(other)
        assert_silent(here, within=0.1)
        assert_silent(there, within=0.1)
    assert states(client) == ["FIRING", "RESOLVED"]
    assert len({alert["id"] for alert in firing}) == len({alert["id"] for alert in resolved}) == 1
    assert firing[0]["id"] != resolved[0]["id"]
