"""A real server and the distribution's headless Chromium, with every outside address blocked."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Page,
    Route,
    expect,
    sync_playwright,
)

from testing.browser import CHROMIUM, CHROMIUM_FLAGS
from testing.server import Server, running_servers


def require_chromium() -> None:
    """Skip without a browser, unless CI demands every service (then fail)."""
    if Path(CHROMIUM).is_file():
        return
    message = f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    if os.environ.get("LOGRAPH_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " and LOGRAPH_REQUIRE_SERVICES=1")
    pytest.skip(message)


@contextmanager
def browsed_server(factory: pytest.TempPathFactory, name: str, **env: str) -> Iterator[Server]:
    """A server for the browser on a new SQLite database, alerts off unless `env` says."""
    require_chromium()
    database = factory.mktemp(name) / "lograph.db"
    settings = {"DATABASE_URL": f"sqlite:///{database}", "ENABLE_ALERTS": "false", **env}
    with running_servers(1, env=settings) as (started,):
        yield started


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with browsed_server(tmp_path_factory, "ui") as started:
        yield started


@pytest.fixture(scope="module")
def blocked_urls() -> list[str]:
    """Every request the pages tried to send anywhere but the test server."""
    return []


@pytest.fixture(scope="module")
def browser(server: Server, blocked_urls: list[str]) -> Iterator[BrowserContext]:
    host = urlsplit(server.base_url).netloc

    def only_the_server(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).netloc == host or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked_urls.append(url)
            route.abort()

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        context.route("**/*", only_the_server)
        if os.environ.get("LOGRAPH_TEST_CLOCK_SHIFT_DAYS"):  # make test-future: the page's
            # clock moves with the suite's and the server's (its timers run as usual)
            context.clock.set_system_time(datetime.now(UTC))
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def expected_console_errors() -> list[str]:
    """Console errors a module's tests provoke on purpose (a server answering 401, say)."""
    return []


@pytest.fixture
def page(
    server: Server,
    browser: BrowserContext,
    blocked_urls: list[str],
    expected_console_errors: list[str],
) -> Iterator[Page]:
    """A page whose uncaught exceptions and console errors fail the test."""
    opened = browser.new_page()
    opened.set_viewport_size({"width": 1280, "height": 800})
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and not any(
            expected in message.text for expected in expected_console_errors
        ):
            errors.append(f"console: {message.text}")

    opened.on("console", console)
    expect.set_options(timeout=30_000)
    yield opened
    opened.close()
    assert not errors, errors
    assert not blocked_urls, blocked_urls
