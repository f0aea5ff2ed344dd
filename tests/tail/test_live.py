"""Subscription.logs delivers each new matching log once, in commit order, on both backends."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.alerts.support import assert_silent
from tests.factories import create_logs, log_json
from tests.tail.support import GRAPHQL_WS, TRANSPORT_WS, edges, ids, tailing


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
