"""The browser pages work offline: every asset comes from this server, and they do their job."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, expect

from testing.server import Server

TIMEOUT_MS = 30_000


@pytest.mark.slow
def test_graphiql_runs_the_preloaded_query_and_shows_results(
    server: Server, browser: BrowserContext, blocked_urls: list[str]
) -> None:
    created = httpx.post(
        f"{server.base_url}/api/v1/logs/",
        json={
            "level": "ERROR",
            "service": "checkout",
            "message": "card declined in the browser test",
            "timestamp": datetime.now(UTC).isoformat(),
        },
    )
    assert created.status_code == 200, created.text
    page = browser.new_page()
    failed: list[str] = []
    page.on("pageerror", lambda error: failed.append(str(error)))

    page.goto(f"{server.base_url}/graphql", timeout=TIMEOUT_MS)
    expect(page.locator(".graphiql-query-editor")).to_contain_text(
        "query RecentProblems", timeout=TIMEOUT_MS
    )
    expect(page.locator(".graphiql-editor-tool")).to_contain_text('"since"')
    page.get_by_role("button", name="Show GraphiQL Explorer").click()
    expect(page.locator(".graphiql-plugin")).to_contain_text("alertRules", timeout=TIMEOUT_MS)
    page.locator(".graphiql-execute-button").click()

    result = page.locator(".result-window")
    expect(result).to_contain_text("card declined in the browser test", timeout=TIMEOUT_MS)
    expect(result).to_contain_text('"totalLogs": 1')
    assert not failed, failed
    assert not blocked_urls, blocked_urls


@pytest.mark.slow
def test_swagger_ui_lists_the_rest_operations(
    server: Server, browser: BrowserContext, blocked_urls: list[str]
) -> None:
    page = browser.new_page()
    page.goto(f"{server.base_url}/docs", timeout=TIMEOUT_MS)
    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible(timeout=TIMEOUT_MS)
    paths = set(operations.all_inner_texts())
    assert {"/api/v1/logs/", "/api/v1/bulk_logs/", "/api/v1/stats/"} <= {
        path.replace("\u200b", "") for path in paths
    }
    assert not blocked_urls, blocked_urls


@pytest.mark.slow
def test_redoc_renders_the_schema(
    server: Server, browser: BrowserContext, blocked_urls: list[str]
) -> None:
    page = browser.new_page()
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", console)
    page.goto(f"{server.base_url}/redoc", timeout=TIMEOUT_MS)
    expect(page.locator("h1").first).to_contain_text("lograph", timeout=TIMEOUT_MS)
    expect(page.get_by_text("/api/v1/bulk_logs/").first).to_be_attached()
    # The sidebar's credit once had a logo from the vendor's CDN (refused: a console error).
    expect(page.get_by_text("API docs by Redocly")).to_be_attached()
    expect(page.get_by_alt_text("redocly logo")).to_have_count(0)
    page.evaluate("() => new Promise((done) => setTimeout(done, 100))")
    assert not errors, errors
    assert not blocked_urls, blocked_urls
