"""What the explorer asks the server for, and when (`bench.explore --timeline`): each GraphQL
request a view sent, in ms from the start of its search, so a slow view shows whether it waited
on one slow query, on several in a row, or on the page itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from playwright.sync_api import Page, Request

OPERATION = re.compile(r"\b(?:query|subscription) (\w+)")
# ms since the epoch of the page's last search mark (the start of `run()` in main.js)
SEARCH_STARTED = (
    "performance.timeOrigin + performance.getEntriesByName('explore:search').at(-1).startTime"
)
# The facets, asked for after the rows and the histogram, have counted the total.
TOTAL_SHOWN = "document.getElementById('total').textContent.includes('match')"


@dataclass  # not slots: Playwright keeps its handler wrapper on the bound method's owner
class Timeline:
    """The GraphQL requests one page sent, as (operation, start, end) in ms since the epoch."""

    page: Page
    sent: list[tuple[str, float, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("requestfinished", self._finished)

    def _finished(self, request: Request) -> None:
        found = OPERATION.search(request.post_data or "")
        if found:
            timing = request.timing
            start = timing["startTime"]
            self.sent.append((found[1], start, start + timing["responseEnd"]))

    def last_search(self) -> str:
        """The requests of the last search once its facets are drawn, ms from its start."""
        self.page.wait_for_function(TOTAL_SHOWN)
        self.page.wait_for_timeout(100)  # the last events reach this process
        origin: float = self.page.evaluate(SEARCH_STARTED)
        shown = [
            f"{name} {start - origin:.0f} to {end - origin:.0f}"
            for name, start, end in sorted(self.sent, key=lambda sent: sent[1])
            if start >= origin - 1
        ]
        self.sent.clear()
        return ", ".join(shown) + " ms"
