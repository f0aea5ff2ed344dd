"""With Redis, two apps sharing a database record each state change of an instance once, and
every subscriber of either app receives it once."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.alerts.support import (
    GRAPHQL_WS,
    TRANSPORT_WS,
    assert_silent,
    receive,
    subscribed,
    sweep,
    upsert_rule,
    write_logs,
)
from tests.alerts.test_lifecycle import delete_logs, states

pytestmark = pytest.mark.redis


@pytest.fixture
def settings_overrides(alert_settings: dict[str, Any], redis_url: str) -> dict[str, Any]:
    return {**alert_settings, "redis_url": redis_url}


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


def test_a_group_resolved_by_another_process_fires_again_on_a_write_here(
    client: TestClient, other: TestClient
) -> None:
    """A write skips the groups it knows FIRING; another process's change makes it forget."""
    rule = {"name": "checkout", "service": "checkout", "threshold": 2, "lifecycle": True}
    rule["groupBy"] = ["service"]
    upsert_rule(client, **rule)
    sweep(other)
    with subscribed(client, TRANSPORT_WS) as here:
        created = write_logs(client, 2, service="checkout")
        receive(here)
        delete_logs(client, created)
        sweep(other)
        receive(here)  # the end, recorded there, heard here
        write_logs(client, 2, service="checkout")
        receive(here)
    assert states(client) == ["FIRING", "RESOLVED", "FIRING"]
