"""The explorer's Patterns tab against a server that mines patterns: the patterns of the search
with counts and sparklines, and a click that filters the logs by one, kept in the URL."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from testing.server import Server
from tests.ui.conftest import browsed_server
from tests.ui.explorer import open_explorer, rows, screenshot, url_params

pytestmark = pytest.mark.slow  # each test drives Chromium against a real server

# Template -> how many logs of it; each log's number differs, so each template is one pattern.
TEMPLATES = {"user {} logged in": 30, "payment {} declined": 20, "cache miss for key {}": 10}
COUNTED = "query { patterns(first: 10) { template count } }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Mining on (the ui conftest's browser uses this server), the logs seeded and mined."""
    with browsed_server(
        tmp_path_factory, "patterns", ENABLE_PATTERNS="true", PATTERN_MINE_INTERVAL_SECONDS="0.2"
    ) as started:
        seed(started)
        yield started


def seed(server: Server) -> None:
    now = datetime.now(UTC)
    logs = [
        {
            "level": "INFO",
            "service": "shop",
            "message": template.format(1000 + index * 7),
            "timestamp": (now - timedelta(minutes=10 * index + 1)).isoformat(),
        }
        for template, count in TEMPLATES.items()
        for index in range(count)
    ]
    response = httpx.post(f"{server.base_url}/api/v1/bulk_logs/", json=logs, timeout=60)
    assert response.status_code == 200, response.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # mining runs in the background
        answer = httpx.post(f"{server.base_url}/graphql", json={"query": COUNTED}).json()
        if sum(p["count"] for p in answer["data"]["patterns"]) == sum(TEMPLATES.values()):
            return
        time.sleep(0.5)
    raise AssertionError(f"the logs were not mined: {answer}")


def test_the_patterns_tab_lists_patterns_with_counts_and_sparklines(
    page: Page, server: Server
) -> None:
    open_explorer(page, server)
    page.get_by_role("tab", name="Patterns").click()
    expect(page).to_have_url(re.compile(r"tab=patterns"))
    listed = page.get_by_role("tabpanel", name="Patterns").locator("button.pattern")
    expect(listed).to_have_count(3)
    expect(listed.locator(".count")).to_have_text(["30", "20", "10"])
    expect(listed.first.locator(".template")).to_have_text("user <NUM> logged in")
    expect(listed.first.locator("svg polyline")).to_have_attribute("points", re.compile(r"\d"))
    screenshot(page, "12-patterns")


def test_clicking_a_pattern_filters_the_logs_by_it_and_back_returns(
    page: Page, server: Server
) -> None:
    open_explorer(page, server, "?tab=patterns")
    page.get_by_role("button", name=re.compile(r"^Filter pattern payment ")).click()

    expect(page.locator("#total")).to_contain_text("20 logs match")
    assert "tab" not in url_params(page)
    assert len(url_params(page)["pattern"]) == 1
    expect(page.get_by_role("tabpanel", name="Logs")).to_be_visible()
    expect(page.locator("#pattern-filter")).to_contain_text("Pattern: payment <NUM> declined")
    assert all(message.startswith("payment ") for message in rows(page))
    screenshot(page, "13-pattern-filter")

    page.reload()  # the link alone reproduces the view
    expect(page.locator("#total")).to_contain_text("20 logs match")
    page.go_back()
    expect(page.get_by_role("tabpanel", name="Patterns")).to_be_visible()
    page.go_forward()
    page.get_by_role("button", name="Remove pattern filter").click()
    expect(page.locator("#total")).to_contain_text("60 logs match")
