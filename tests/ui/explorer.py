"""Helpers of the explorer's browser tests: seeded logs (known services, levels and metadata,
spread over the eight hours before the test starts), and how a test opens and reads the page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from playwright.sync_api import Page, expect

from testing.server import Server

SEEDED = 1500
SERVICES = ["checkout", "search", "billing"]
LEVELS = ["INFO", "INFO", "DEBUG", "WARN", "ERROR"]
# Every 25th log is a declined payment from checkout.
DECLINED_EVERY = 25
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def seeded_log(index: int, now: datetime) -> dict[str, Any]:
    declined = index % DECLINED_EVERY == 0
    return {
        "level": "ERROR" if declined else LEVELS[index % len(LEVELS)],
        "service": "checkout" if declined else SERVICES[index % len(SERVICES)],
        "message": f"payment declined #{index}" if declined else f"request {index} served",
        "timestamp": (now - timedelta(seconds=20 * index)).isoformat(),
        "metadata": {"user": {"id": index % 10}, "region": "eu" if index % 2 else "us"},
    }


SEED = "mutation Seed($inputs: [LogInput!]!) { bulkCreate(inputs: $inputs) { count } }"


def seed(server: Server) -> datetime:
    """Write the seeded logs; returns the newest one's timestamp."""
    now = datetime.now(UTC).replace(microsecond=0)
    inputs = [seeded_log(index, now) for index in range(SEEDED)]
    response = httpx.post(
        f"{server.base_url}/graphql",
        json={"query": SEED, "variables": {"inputs": inputs}},
        timeout=60,
    )
    assert response.json() == {"data": {"bulkCreate": {"count": SEEDED}}}, response.text
    return now


def screenshot(page: Page, name: str) -> None:
    """Keep what a person sees in this state (docs/explorer.md names the folder)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def open_explorer(page: Page, server: Server, query: str = "") -> None:
    page.goto(f"{server.base_url}/explore{query}")
    expect(page.locator("#total")).to_contain_text("match")


def rows(page: Page) -> list[str]:
    return page.locator("#results .log .message").all_inner_texts()


def url_params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)
