"""Seeded logs for the explorer's browser tests: known services, levels and metadata, spread
over the last eight hours before the test starts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page

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
