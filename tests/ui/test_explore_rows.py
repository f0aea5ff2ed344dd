"""The result list's row store (ui/explore/rows.js), run in the browser: each row comes back
as it was added, in list order, whether it came with a page or live."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from testing.server import Server

pytestmark = pytest.mark.slow  # each test drives Chromium against a real server

# Adds the edges to a new store (`pages` appended, `live` placed before them) and reads every
# row back, with which edges the store then calls unseen.
STORE = """async ({ pages, live, later }) => {
  const { RowStore } = await import("/ui/explore/rows.js");
  const store = new RowStore();
  for (const page of pages) {
    store.hold(page);
    store.append(page);
  }
  store.hold(live);
  store.prepend(live, true);
  const rows = Array.from({ length: store.length }, (_, index) => store.get(index));
  return { rows, unseen: store.unseen(later).map((edge) => edge.node.id) };
}"""


def edge(log_id: str, message: str, cursor: str | None = "c") -> dict[str, Any]:
    node = {
        "id": log_id,
        "timestamp": "2026-12-07T10:00:00+00:00",
        "level": "INFO",
        "service": "api",
        "message": message,
    }
    return {"cursor": cursor and f"{cursor}{log_id}", "node": node}


def test_rows_come_back_in_list_order_with_their_fields(page: Page, server: Server) -> None:
    page.goto(f"{server.base_url}/explore")
    pages = [[edge("9", "first"), edge("8", "")], [edge("7", "naïve ✓ \u001f|")]]
    live = [edge("11", "newest", None), edge("10", "new", None)]
    found = page.evaluate(STORE, {"pages": pages, "live": live, "later": []})
    expected = [{**e, "fresh": True} for e in live]
    expected += [{**e, "fresh": False} for page_edges in pages for e in page_edges]
    assert found["rows"] == expected


def test_unseen_skips_held_ids_numeric_or_not(page: Page, server: Server) -> None:
    page.goto(f"{server.base_url}/explore")
    held = [edge("12", "a"), edge("9007199254740993", "b"), edge("x-1", "c")]
    later = [
        edge("12", "again"),
        edge("9007199254740993", "again"),
        edge("9007199254740992", "other"),
        edge("x-1", "again"),
        edge("012", "other"),
        edge("13", "new"),
    ]
    found = page.evaluate(STORE, {"pages": [held], "live": [], "later": later})
    assert found["unseen"] == ["9007199254740992", "012", "13"]
