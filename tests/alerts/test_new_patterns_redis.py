"""With Redis, two apps sharing a database: a new pattern fires once, whichever app mines,
and every subscriber of either app receives it once."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.alerts.support import GRAPHQL_WS, TRANSPORT_WS, assert_silent, receive, subscribed
from tests.alerts.test_new_patterns import (
    DECLINED,
    declined_lines,
    new_pattern_rule,
    pattern_alerts,
)
from tests.patterns.support import catch_up

pytestmark = pytest.mark.redis


@pytest.fixture
def settings_overrides(alert_settings: dict[str, Any], redis_url: str) -> dict[str, Any]:
    return {**alert_settings, "redis_url": redis_url, "enable_patterns": False}


@pytest.mark.slow
def test_a_new_pattern_is_alerted_once_across_processes(
    client: TestClient,
    other: TestClient,
) -> None:
    new_pattern_rule(client)  # stored through one app, mined by both
    with subscribed(client, TRANSPORT_WS) as here, subscribed(other, GRAPHQL_WS) as there:
        declined_lines(other, ["ann", "bob"])
        catch_up(other)
        catch_up(client)
        declined_lines(client, ["carl"])
        catch_up(client)
        catch_up(other)
        received = [receive(ws)["payload"]["data"]["alerts"] for ws in (here, there)]
        assert_silent(here, within=0.2)
        assert_silent(there, within=0.2)
    (alert,) = pattern_alerts(client)
    assert [one["id"] for one in received] == [alert["id"]] * 2
    assert alert["pattern"]["template"] == DECLINED
