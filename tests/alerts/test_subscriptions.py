"""Subscription.alerts over graphql-transport-ws and legacy graphql-ws, and who may connect."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from broker.hub import QUEUE_SIZE, Hub
from db.alert_history import AlertRecord, AlertState
from tests.alerts.support import (
    GRAPHQL_WS,
    TRANSPORT_WS,
    assert_silent,
    engine_of,
    fire,
    receive,
    subscribed,
    wait_for,
    write_logs,
)

DASHBOARD = "https://dashboard.example.com"


@pytest.fixture
def settings_overrides(alert_settings: dict[str, Any]) -> dict[str, Any]:
    return {**alert_settings, "cors_origins": DASHBOARD}


@pytest.mark.parametrize(("protocol", "data_type"), [(TRANSPORT_WS, "next"), (GRAPHQL_WS, "data")])
def test_subscribers_receive_each_alert_once(
    client: TestClient, protocol: str, data_type: str
) -> None:
    with subscribed(client, protocol) as ws:
        alert = fire(client, "checkout")
        assert receive(ws) == {"id": "1", "type": data_type, "payload": {"data": {"alerts": alert}}}
        assert alert["samples"][0]["service"] == "checkout"
        write_logs(client, 3, service="checkout")
        assert_silent(ws, within=0.2)


@pytest.mark.slow
def test_a_subscription_can_name_the_rules_it_wants(client: TestClient) -> None:
    with subscribed(client, TRANSPORT_WS, rules=["wanted"]) as ws:
        fire(client, "other")
        wanted = fire(client, "wanted")
        assert receive(ws)["payload"]["data"]["alerts"] == wanted


def test_leaving_subscribers_are_removed(client: TestClient) -> None:
    with subscribed(client, TRANSPORT_WS) as ws:
        ws.send_json({"id": "1", "type": "complete"})
        wait_for(lambda: engine_of(client).hub.subscriber_count == 0, what="unsubscribe")
    with subscribed(client, GRAPHQL_WS):
        pass
    wait_for(lambda: engine_of(client).hub.subscriber_count == 0, what="disconnect cleanup")


@pytest.mark.parametrize(
    "headers",
    [{}, {"origin": DASHBOARD}, {"origin": "http://testserver"}],
    ids=["no-origin", "listed-origin", "same-host"],
)
def test_websockets_are_accepted_without_origin_same_host_or_listed(
    client: TestClient, headers: dict[str, str]
) -> None:
    with client.websocket_connect("/graphql", [TRANSPORT_WS], headers=headers) as ws:
        ws.send_json({"type": "connection_init"})
        assert receive(ws) == {"type": "connection_ack"}


def test_websockets_from_unlisted_origins_are_refused(client: TestClient) -> None:
    headers = {"origin": "https://evil.example.com"}
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/graphql", [TRANSPORT_WS], headers=headers),
    ):
        pass
    assert refused.value.code == 1008


def test_a_slow_subscriber_loses_only_its_oldest_alerts() -> None:
    async def scenario() -> tuple[list[int], list[int]]:
        hub: Hub[AlertRecord] = Hub(name="alerts", drop_oldest=True)
        async with (
            hub.subscribe() as slow,
            hub.subscribe(lambda alert: alert.rule == "r") as fast,
        ):
            seen = []
            for alert_id in range(QUEUE_SIZE + 10):
                hub.deliver(record(alert_id))
                seen.append((await fast.get()).id)
            kept = [slow.queue.get_nowait().id for _ in range(slow.queue.qsize())]
        assert hub.subscriber_count == 0
        return seen, kept

    seen, kept = asyncio.run(scenario())
    assert seen == list(range(QUEUE_SIZE + 10))
    assert kept == list(range(10, QUEUE_SIZE + 10))


def record(alert_id: int) -> AlertRecord:
    now = datetime.now(UTC)
    return AlertRecord(
        id=alert_id,
        rule="r",
        count=1,
        threshold=1,
        window_seconds=60,
        fired_at=now,
        level=None,
        service="s",
        samples=[],
        state=AlertState.FIRING,
        starts_at=now,
        ends_at=None,
        fingerprint="0" * 16,
        labels={"alertname": "r"},
        pattern=None,
    )
