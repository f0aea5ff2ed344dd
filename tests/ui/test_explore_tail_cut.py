"""The explorer's live tail when the server cuts its stream. A subscriber that falls a queue
behind gets SUBSCRIBER_TOO_SLOW naming its last cursor and its stream ends (tests/tail/
test_backpressure.py provokes that on the server). Chromium reads its sockets on a thread of
its own, so a page cannot be made slow enough to provoke it here: a proxy between the page and
the real server replaces one edge by exactly that cut. The page says so, subscribes again from
the named cursor, and the server's replay brings every log once."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from testing.server import Server
from tests.ui.explorer import open_explorer
from tests.ui.test_explore_tail import expect_alert_said, messages_with, record_alerts, start_tail

pytestmark = pytest.mark.slow  # each test drives Chromium against a real server

CUT_AT = 3  # edges of the burst forwarded before the cut
BURST = 10
TOO_SLOW = "the subscriber fell too far behind; resume with extensions.after"


def cut_once(route: WebSocketRoute) -> None:
    """Forward both ways; once the burst is flowing, end one subscription as the server would."""
    server = route.connect_to_server()
    seen: dict[str, Any] = {"burst": 0, "cursor": None, "cut": None}

    def from_server(message: str | bytes) -> None:
        data = json.loads(message)
        edge = data.get("type") == "next" and (data["payload"].get("data") or {}).get("logs")
        if seen["cut"] is not None and data.get("id") == seen["cut"]:
            return  # the server's stream was ended: nothing more of it reaches the page
        if edge and edge["node"]["message"].startswith("burst ") and seen["cut"] is None:
            if seen["burst"] == CUT_AT:
                seen["cut"] = data["id"]
                extensions = {"code": "SUBSCRIBER_TOO_SLOW", "after": seen["cursor"]}
                error = {"message": TOO_SLOW, "extensions": extensions}
                route.send(
                    json.dumps({"id": data["id"], "type": "next", "payload": {"errors": [error]}})
                )
                route.send(json.dumps({"id": data["id"], "type": "complete"}))
                server.send(json.dumps({"id": data["id"], "type": "complete"}))
                return
            seen["burst"] += 1
        if edge:
            seen["cursor"] = edge["cursor"]
        route.send(message)

    server.on_message(from_server)
    route.on_message(lambda message: server.send(message))


def test_a_server_cut_is_said_and_the_tail_resumes_from_the_named_cursor(
    page: Page, server: Server
) -> None:
    page.route_web_socket("**/graphql", cut_once)
    open_explorer(page, server, "?service=cut")
    start_tail(page, server, service="cut")
    record_alerts(page)
    logs = [{"level": "INFO", "service": "cut", "message": f"burst {n}"} for n in range(BURST)]
    response = httpx.post(f"{server.base_url}/api/v1/bulk_logs/", json=logs, timeout=60)
    assert response.status_code == 200, response.text

    expect_alert_said(page, f"Live tail interrupted: {TOO_SLOW}. Resuming")
    expected = [f"burst {n}" for n in reversed(range(BURST))]
    expect(page.locator("#results .message").filter(has_text="burst ")).to_have_text(expected)
    expect(page.get_by_role("alert")).to_be_hidden()
    assert messages_with(page, "burst ") == expected
