"""`after` resumes exactly; cursors that cannot be resumed are refused, naming `after`."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from core.tail_cursor import HORIZON_SECONDS
from tests.alerts.support import assert_silent, receive
from tests.factories import create_logs, log_json
from tests.tail.support import GRAPHQL_WS, TRANSPORT_WS, edges, ids, tailing


def refusal(ws: WebSocketTestSession) -> dict[str, Any]:
    """The one error a refused subscription gets, in either protocol's shape."""
    message = receive(ws)
    assert message["type"] in ("error", "next", "data"), message
    payload = message["payload"]
    errors = payload if isinstance(payload, list) else payload["errors"]
    (error,) = errors
    return dict(error)


def test_resuming_gets_every_log_after_the_cursor_then_new_ones(client: TestClient) -> None:
    with tailing(client) as ws:
        written = [log["id"] for log in create_logs(client, *[log_json()] * 5)]
        received = edges(ws, 5)
    missed = [log["id"] for log in create_logs(client, *[log_json()] * 3)]
    with tailing(client, after=received[1]["cursor"]) as resumed:
        assert ids(edges(resumed, 6)) == written[2:] + missed
        newer = [log["id"] for log in create_logs(client, log_json())]
        assert ids(edges(resumed, 1)) == newer
        assert_silent(resumed, within=0.3)


def test_resuming_keeps_the_filter(client: TestClient) -> None:
    with tailing(client, filter={"service": "api"}) as ws:
        create_logs(client, log_json(service="api"))
        (first,) = edges(ws, 1)
    later = create_logs(client, log_json(service="web"), log_json(service="api"))
    with tailing(client, filter={"service": "api"}, after=first["cursor"]) as resumed:
        assert ids(edges(resumed, 1)) == [later[1]["id"]]
        assert_silent(resumed, within=0.3)


PAGE_WITH_TAIL_CURSOR = """query($filter: LogFilter) {
  logsConnection(filter: $filter, first: 2) { edges { node { id } } tailCursor }
}"""


def test_a_pages_tail_cursor_tails_on_with_every_log_committed_after_the_page(
    client: TestClient,
) -> None:
    create_logs(client, log_json(service="api"), log_json(service="api"))
    variables = {"filter": {"service": "api"}}
    body = client.post("/graphql", json={"query": PAGE_WITH_TAIL_CURSOR, "variables": variables})
    cursor = body.json()["data"]["logsConnection"]["tailCursor"]
    later = create_logs(client, log_json(service="api"), log_json(service="web"))
    with tailing(client, filter={"service": "api"}, after=cursor) as resumed:
        assert ids(edges(resumed, 1)) == [later[0]["id"]]
        newer = create_logs(client, log_json(service="api"))
        assert ids(edges(resumed, 1)) == [newer[0]["id"]]
        assert_silent(resumed, within=0.3)


CONNECTION_CURSOR = base64.b64encode(b"2025-10-09T12:00:00+00:00|42").decode()


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, GRAPHQL_WS])
@pytest.mark.parametrize(
    "after", ["", "nonsense", CONNECTION_CURSOR, "tail1.MTox.1.1", "tail1.!!!.1.1"]
)
def test_a_malformed_cursor_is_bad_user_input_naming_after(
    module_client: TestClient, protocol: str, after: str
) -> None:
    with tailing(module_client, protocol=protocol, after=after, wait=False) as ws:
        error = refusal(ws)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}, error
    assert error["message"].startswith("after: ")


def test_the_cursor_of_a_deleted_log_is_expired(client: TestClient) -> None:
    with tailing(client) as ws:
        create_logs(client, log_json(), log_json())
        first, _second = edges(ws, 2)
    client.delete(f"/api/v1/logs/{first['node']['id']}")
    with tailing(client, after=first["cursor"], wait=False) as resumed:
        error = refusal(resumed)
    assert error["extensions"] == {"code": "CURSOR_EXPIRED", "field": "after"}, error


def test_the_cursor_of_a_deleted_newest_log_stays_expired_after_the_next_write(
    client: TestClient,
) -> None:
    with tailing(client) as ws:
        create_logs(client, log_json(), log_json())
        _first, newest = edges(ws, 2)
        client.delete(f"/api/v1/logs/{newest['node']['id']}")
        (later,) = create_logs(client, log_json(message="later"))
        assert ids(edges(ws, 1)) == [later["id"]]
    assert later["id"] != int(newest["node"]["id"])
    with tailing(client, after=newest["cursor"], wait=False) as resumed:
        error = refusal(resumed)
    assert error["extensions"] == {"code": "CURSOR_EXPIRED", "field": "after"}, error


def test_a_cursor_beyond_the_horizon_is_expired(client: TestClient) -> None:
    with tailing(client) as ws:
        create_logs(client, log_json())
        (edge,) = edges(ws, 1)
    prefix, batch, tx, log_id = edge["cursor"].split(".")
    padded = batch + "=" * (-len(batch) % 4)
    _issued, since, upto = base64.urlsafe_b64decode(padded).decode().split("|")
    old = f"{int(time.time()) - HORIZON_SECONDS - 60}|{since}|{upto}".encode()
    stale = ".".join([prefix, base64.urlsafe_b64encode(old).decode().rstrip("="), tx, log_id])
    with tailing(client, after=stale, wait=False) as resumed:
        error = refusal(resumed)
    assert error["extensions"] == {"code": "CURSOR_EXPIRED", "field": "after"}, error
    assert "24 h" in error["message"]
