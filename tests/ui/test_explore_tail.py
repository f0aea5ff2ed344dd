"""The explorer's live tail in Chromium against a real server of its own: it starts where the
first page was read, logs written while paused all arrive on resume, and a dropped socket is said
and resumed from its cursor."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from testing.server import Server
from tests.ui.explorer import open_explorer, rows, screenshot

pytestmark = pytest.mark.slow  # each test drives Chromium against a real server


def write_log(server: Server, message: str, service: str = "tailed") -> None:
    created = httpx.post(
        f"{server.base_url}/api/v1/logs/",
        json={"level": "WARN", "service": service, "message": message},
    )
    assert created.status_code == 200, created.text


def start_tail(page: Page, server: Server, service: str = "tailed") -> None:
    """Turn the tail on and write until a log arrives, so the stream is surely running."""
    page.get_by_role("button", name="Live tail").click()
    expect(page.locator("#tail-status")).to_contain_text("Live")
    first = page.locator("#results .message", has_text="tail warm-up")
    for attempt in range(100):
        write_log(server, f"tail warm-up {attempt}", service=service)
        if first.count():
            return
        page.wait_for_timeout(200)
    raise AssertionError("the live tail never delivered a log")


def record_alerts(page: Page) -> None:
    """Keep every text the tail's banner shows: it may show for a moment only."""
    page.evaluate(
        "window.alertsSaid = [];"
        "new MutationObserver(() => window.alertsSaid.push(document.getElementById('tail-alert')"
        ".textContent)).observe(document.getElementById('tail-alert'),"
        " {childList: true, characterData: true, subtree: true});"
    )


def expect_alert_said(page: Page, text: str) -> None:
    page.wait_for_function(
        "text => window.alertsSaid.some(said => said.includes(text))", arg=text, timeout=30_000
    )


def messages_with(page: Page, prefix: str) -> list[str]:
    return [message for message in rows(page) if message.startswith(prefix)]


def test_live_tail_pauses_without_losing_logs_and_resumes(page: Page, server: Server) -> None:
    open_explorer(page, server, "?service=tailed")
    start_tail(page, server)
    write_log(server, "live 1")
    expect(page.locator("#results .message").first).to_have_text("live 1")
    expect(page.locator("#tail-status")).to_contain_text(re.compile(r"\d+\.\d logs/s"))
    write_log(server, "live other", service="elsewhere")
    screenshot(page, "07-live-tail")

    page.get_by_role("button", name="Pause").click()
    for index in range(2, 7):
        write_log(server, f"live {index}")
    expect(page.locator("#tail-status")).to_have_text("Paused")
    page.wait_for_timeout(1000)  # were the stream still open, the logs would come now
    assert messages_with(page, "live") == ["live 1"]
    screenshot(page, "08-live-tail-paused")

    page.get_by_role("button", name="Resume").click()
    write_log(server, "live 7")
    expected = [f"live {index}" for index in range(7, 0, -1)]
    expect(page.locator("#results .message").filter(has_text="live ")).to_have_text(expected)


def test_live_tail_starts_from_where_the_first_page_was_read(page: Page, server: Server) -> None:
    write_log(server, "on the page", service="gap")
    open_explorer(page, server, "?service=gap")
    expect(page.locator("#results .message")).to_have_text(["on the page"])
    write_log(server, "after the page", service="gap")
    page.wait_for_timeout(500)
    page.get_by_role("button", name="Live tail").click()
    write_log(server, "after the tail", service="gap")
    expected = ["after the tail", "after the page", "on the page"]
    expect(page.locator("#results .message")).to_have_text(expected)
    expect(page.locator("#total")).to_contain_text("3 logs match")


def test_live_tail_says_when_the_socket_drops_and_resumes_from_its_cursor(
    page: Page, server: Server
) -> None:
    page.add_init_script(
        "const Native = WebSocket; window.openSockets = [];"
        "window.WebSocket = class extends Native {"
        " constructor(...args) { super(...args); window.openSockets.push(this); } };"
    )
    open_explorer(page, server, "?service=dropped")
    page.get_by_role("button", name="Live tail").click()
    for attempt in range(100):
        write_log(server, f"before drop {attempt}", service="dropped")
        if page.locator("#results .message", has_text="before drop").count():
            break
        page.wait_for_timeout(200)

    record_alerts(page)
    page.evaluate("window.openSockets.forEach(socket => socket.close())")
    write_log(server, "while dropped", service="dropped")
    expect_alert_said(page, "Live tail interrupted: the connection closed")
    screenshot(page, "09-live-tail-dropped")
    expect(page.locator("#results .message").first).to_have_text("while dropped")
    write_log(server, "after drop", service="dropped")
    expect(page.locator("#results .message").first).to_have_text("after drop")
    expect(page.get_by_role("alert")).to_be_hidden()
    assert rows(page).count("while dropped") == 1
