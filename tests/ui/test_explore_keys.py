"""The explorer against a server that requires API keys and evaluates alerts: the key prompt,
and alerts arriving in their panel."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from testing.server import Server
from tests.ui.conftest import browsed_server
from tests.ui.explorer import screenshot

pytestmark = pytest.mark.slow  # each test drives Chromium against a real server

ADMIN_KEY = "explorer-admin-key-0123456789"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Keys required, alerts on (the ui conftest's browser uses this server)."""
    with browsed_server(
        tmp_path_factory,
        "keys",
        ENABLE_ALERTS="true",
        AUTH_REQUIRED="true",
        ADMIN_API_KEY=ADMIN_KEY,
    ) as started:
        yield started


def admin(server: Server, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = httpx.post(
        f"{server.base_url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"x-api-key": ADMIN_KEY},
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def create_key(server: Server, name: str, scopes: list[str]) -> str:
    created = admin(
        server,
        "mutation Key($name: String!, $scopes: [ApiKeyScope!]!) {"
        " createApiKey(name: $name, scopes: $scopes) { key } }",
        {"name": name, "scopes": scopes},
    )
    key: str = created["createApiKey"]["key"]
    return key


def enter_key(page: Page, key: str) -> None:
    dialog = page.get_by_role("dialog", name="API key")
    dialog.get_by_label("API key").fill(key)
    dialog.get_by_role("button", name="Use key").click()


def test_a_key_is_asked_for_refused_when_wrong_or_without_read_and_then_accepted(
    page: Page, server: Server
) -> None:
    page.goto(f"{server.base_url}/explore")
    dialog = page.get_by_role("dialog", name="API key")
    expect(dialog).to_contain_text("This server requires an API key")
    screenshot(page, "10-key-required")

    enter_key(page, "not-a-key")
    expect(dialog).to_contain_text("The API key was refused (unknown or revoked API key)")

    enter_key(page, create_key(server, "ingest-only", ["INGEST"]))
    expect(dialog).to_contain_text("This API key lacks the READ scope")

    reader = create_key(server, "reader", ["READ"])
    enter_key(page, reader)
    expect(dialog).to_be_hidden()
    expect(page.locator("#total")).to_contain_text("logs match")
    assert reader not in page.url
    assert page.evaluate("sessionStorage.getItem('lograph.apiKey')") == reader


def test_an_alert_arrives_in_the_panel_and_links_to_its_logs(page: Page, server: Server) -> None:
    admin(
        server,
        'mutation { upsertAlertRule(input: {name: "payments down", level: ERROR,'
        ' service: "payments", threshold: 2, windowSeconds: 600, cooldownSeconds: 0}) { name } }',
    )
    page.goto(f"{server.base_url}/explore")
    enter_key(page, create_key(server, "watcher", ["READ"]))
    expect(page.locator("#total")).to_contain_text("logs match")  # reloaded with the key
    page.get_by_role("button", name="Alerts").click()
    panel = page.get_by_role("complementary", name="Alerts")
    expect(panel).to_contain_text("payments down: ≥ 2 in 600 s (level ERROR, service payments)")

    # The page subscribes once it has drawn the panel; write until an alert comes through.
    alert = panel.locator("li.fresh").get_by_role("link", name=re.compile(r"^payments down: "))
    written = 0
    while not alert.count():
        assert written < 60, "no alert arrived"
        admin(
            server,
            "mutation($message: String!) { createLog(input: {level: ERROR,"
            ' service: "payments", message: $message}) { id } }',
            {"message": f"gateway timeout {written}"},
        )
        written += 1
        page.wait_for_timeout(500)
    screenshot(page, "11-alert")

    alert.first.click()
    expect(page.get_by_label("Services", exact=True)).to_have_value("payments")
    expect(page.locator("#total")).to_contain_text(re.compile(r"^\d+ logs match"))
    expect(page.locator("#results .message").first).to_contain_text("gateway timeout")
