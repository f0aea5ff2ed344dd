"""Subscription.logs delivers each new matching log once, in commit order, on both backends."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.alerts.support import assert_silent, receive, wait_for
from tests.factories import create_logs, log_json
from tests.tail.support import GRAPHQL_WS, TRANSPORT_WS, edges, ids, runtime_of, start, tailing


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, GRAPHQL_WS])
def test_new_logs_arrive_once_in_order(client: TestClient, protocol: str) -> None:
    create_logs(client, log_json(message="before the subscription"))
    with tailing(client, protocol=protocol) as ws:
        written = create_logs(client, *(log_json(message=f"m{i}") for i in range(3)))
        single = client.post("/api/v1/logs/", json=log_json(message="single")).json()
        received = edges(ws, 4)
        assert ids(received) == [log["id"] for log in written] + [single["id"]]
        assert [edge["node"]["message"] for edge in received] == ["m0", "m1", "m2", "single"]
        assert len({edge["cursor"] for edge in received}) == 4
        assert_silent(ws, within=0.3)


def test_a_connection_holds_at_most_ten_tails(client: TestClient) -> None:
    with tailing(client) as ws:
        for op_id in range(2, 11):
            start(ws, TRANSPORT_WS, {}, op_id=str(op_id))
        hub = runtime_of(client).log_hub
        wait_for(lambda: hub.subscriber_count == 10, what="ten tails")
        start(ws, TRANSPORT_WS, {}, op_id="11")
        refused = receive(ws)
        assert refused["id"] == "11"
        (error,) = refused["payload"]["errors"]
        assert error["extensions"] == {"code": "TOO_MANY_SUBSCRIPTIONS"}
        assert hub.subscriber_count == 10
