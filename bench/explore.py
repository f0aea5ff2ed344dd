"""The explorer page's benchmark (issue 25): `python -m bench.explore [--rows N]`.

Creates a scratch PostgreSQL database, COPYs in N logs over 30 days (bench/corpus.py), waits
for the rollups, then drives /explore in the distribution's Chromium and reads the page's own
performance marks (`explore:search`, `explore:rows`, `explore:histogram`): from navigation to
the first rows and the histogram drawn for the last 24 h; a new search typed into the bar, until
both are drawn again; and, with the live tail on while logs arrive at `--rate` per second, the
longest main-thread task a PerformanceObserver saw. Prints a markdown table; saves the numbers
under `bench/results/`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from contextlib import ExitStack, closing
from datetime import UTC, datetime
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

from bench import corpus, rollups
from bench.explore_timeline import Timeline
from bench.report import Metric, markdown_table, write_json
from bench.stats import median
from testing.browser import CHROMIUM, CHROMIUM_FLAGS
from testing.database import ScratchDatabase, kept_database, scratch_database, server_version
from testing.server import Server, running_server

FIRST_VIEWS = 5
TIMEOUT_MS = 120_000
# The newest marks of one search: ms from its start to both views drawn, or null while waiting;
# the page's error text if a view failed instead (a failed view sets no mark).
DRAWN = """() => {
  const status = document.getElementById("status");
  if (status.classList.contains("error")) return status.textContent || "an error";
  const last = (name) => performance.getEntriesByName(name).at(-1);
  const [search, rows, chart] = ["search", "rows", "histogram"].map((n) => last(`explore:${n}`));
  if (!search || !rows || !chart) return null;
  if (rows.startTime < search.startTime || chart.startTime < search.startTime) return null;
  return Math.max(rows.startTime, chart.startTime) - search.startTime;
}"""
FROM_NAVIGATION = DRAWN.replace("- search.startTime;", ";")
# Every task of 50 ms or more, the longest and how many: one long task in 20 s on two busy
# cores may be the renderer waiting for a core; a count tells a page's habit from that.
LONGEST_TASK = """window.longestTask = 0;
window.longTasks = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    window.longestTask = Math.max(window.longestTask, entry.duration);
    window.longTasks += 1;
  }
}).observe({ type: "longtask" });"""
RESET_TASKS = "window.longestTask = 0; window.longTasks = 0;"
READ_TASKS = "[window.longestTask, window.longTasks]"


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class PageError(Exception):
    """A view answered with an error, which the page shows instead of drawing it."""


def drawn(page: Page, script: str) -> float:
    value: float | str = page.wait_for_function(script, timeout=TIMEOUT_MS).json_value()
    if isinstance(value, str):
        raise PageError(value)
    return value


def first_views(new_page: Any, server: Server, *, timeline: bool) -> list[float]:
    """ms from navigation to the rows and the histogram of the last 24 h, on fresh pages."""
    timings = []
    for _ in range(FIRST_VIEWS):
        page = new_page()
        requests = Timeline(page) if timeline else None
        page.goto(f"{server.base_url}/explore?range=24h")
        timings.append(drawn(page, FROM_NAVIGATION))
        if requests:
            progress(f"  first view drawn at {timings[-1]:.0f} ms: {requests.last_search()}")
        page.close()
    return timings


def searches(page: Page, count: int, *, timeline: bool) -> list[float]:
    """ms from submitting a new search to its rows and histogram drawn."""
    requests = Timeline(page) if timeline else None
    texts = ["", *corpus.RARE_WORDS, "timeout", "payment"]
    ranges = ["24h", "1h", "7d"]
    timings = []
    for index in range(count):
        text, span = texts[index % len(texts)], ranges[index % len(ranges)]
        page.get_by_label("Message").fill(text)
        page.get_by_label("Time range").select_option(span)
        page.get_by_role("button", name="Search", exact=True).click()
        try:
            timings.append(drawn(page, DRAWN))
        except PageError as error:
            raise PageError(f"search {index + 1} ({text!r} over {span}): {error}") from error
        if requests:
            sent = requests.last_search()
            progress(f"  {text!r} over {span} drawn at {timings[-1]:.0f} ms: {sent}")
    return timings


def scroll_far(page: Page, server: Server, rows: int) -> tuple[float, list[float], int]:
    """Scroll the last 7 days' list until `rows` are loaded: seconds taken, the longest task
    and how many reached 50 ms, and how many rows the DOM held at the end."""
    page.goto(f"{server.base_url}/explore?range=7d")
    drawn(page, FROM_NAVIGATION)
    page.evaluate(RESET_TASKS)
    started = time.perf_counter()
    loaded = re.compile(r"([\d,]+) loaded")
    while True:
        page.locator("#results").evaluate("list => { list.scrollTop = list.scrollHeight; }")
        found = loaded.search(page.locator("#total").inner_text())
        if found and int(found[1].replace(",", "")) >= rows:
            break
        page.wait_for_timeout(50)
    seconds = time.perf_counter() - started
    tasks: list[float] = page.evaluate(READ_TASKS)
    return seconds, tasks, page.locator("#results .log").count()


def write_steadily(server: Server, rate: int, seconds: float, stop: threading.Event) -> None:
    """`rate` logs a second, in ten batches a second, for `seconds`."""
    batch = max(1, rate // 10)
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not stop.is_set():
            tick = time.monotonic()
            now = datetime.now(UTC).isoformat()
            logs = [
                {"level": "INFO", "service": "tailed", "message": f"live {i}", "timestamp": now}
                for i in range(batch)
            ]
            client.post("/api/v1/bulk_logs/", json=logs).raise_for_status()
            time.sleep(max(0.0, 0.1 - (time.monotonic() - tick)))


def live_tail(page: Page, server: Server, rate: int, seconds: float) -> tuple[list[float], int]:
    """The longest main-thread task while the tail receives `rate` logs/s and how many reached
    50 ms, and how many logs arrived."""
    page.goto(f"{server.base_url}/explore?service=tailed")
    drawn(page, FROM_NAVIGATION)
    page.get_by_role("button", name="Live tail").click()
    page.wait_for_function("document.getElementById('tail-status').textContent.startsWith('Live')")
    page.evaluate(RESET_TASKS)
    stop = threading.Event()
    writer = threading.Thread(target=write_steadily, args=(server, rate, seconds, stop))
    writer.start()
    try:
        writer.join()
    finally:
        stop.set()
    page.wait_for_timeout(2000)  # the last batches arrive
    tasks: list[float] = page.evaluate(READ_TASKS)
    total = page.locator("#total").inner_text().split()[0].replace(",", "")
    return tasks, int(total)


def measure(server: Server, args: argparse.Namespace) -> list[Metric]:
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        context.add_init_script(LONGEST_TASK)
        progress(f"first views ({FIRST_VIEWS} fresh pages)")
        first = first_views(context.new_page, server, timeline=args.timeline)
        page = context.new_page()
        page.goto(f"{server.base_url}/explore")
        drawn(page, FROM_NAVIGATION)
        progress(f"{args.searches} searches")
        typed = searches(page, args.searches, timeline=args.timeline)
        progress(f"scrolling to {args.scroll_rows:,} rows")
        scrolled, (scroll_task, scroll_count), dom_rows = scroll_far(page, server, args.scroll_rows)
        progress(f"live tail at {args.rate} logs/s for {args.tail_seconds:g} s")
        (longest, tail_count), received = live_tail(page, server, args.rate, args.tail_seconds)
        context.close()
    return [
        Metric(
            "a",
            "navigation to rows + histogram, last 24 h",
            median(first),
            "ms",
            f"median of {len(first)}, max {max(first):.0f}",
            "≤ 1000 ms",
            passed=median(first) <= 1000,
        ),
        Metric(
            "b",
            "new search drawn",
            median(typed),
            "ms",
            f"p50 of {len(typed)}, max {max(typed):.0f}",
            "≤ 300 ms p50",
            passed=median(typed) <= 300,
        ),
        Metric(
            "c",
            f"longest task, scrolling to {args.scroll_rows:,} rows",
            scroll_task,
            "ms",
            f"{scrolled:.1f} s to load them; {scroll_count:.0f} tasks ≥ 50 ms; "
            f"{dom_rows} rows in the DOM at the end",
            "smooth (≤ 100 ms)",
            passed=scroll_task <= 100,
        ),
        Metric(
            "d",
            f"longest task, tail at {args.rate} logs/s",
            longest,
            "ms",
            f"{received:,} logs shown; {tail_count:.0f} tasks ≥ 50 ms (0 ms: none)",
            "≤ 100 ms",
            passed=longest <= 100,
        ),
    ]


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.explore", description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--searches", type=int, default=20)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--scroll-rows", type=int, default=100_000)
    parser.add_argument("--tail-seconds", type=float, default=10.0)
    parser.add_argument(
        "--database",
        help="load into this database (created if missing) and keep it, to measure again "
        "without loading; drop it yourself afterwards",
    )
    parser.add_argument("--load-only", action="store_true", help="load, then stop")
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="print each view's GraphQL requests, ms from its start (waits for the network "
        "to be quiet after each view: the scroll and tail figures are then not comparable)",
    )
    parser.add_argument(
        "--mining",
        action="store_true",
        help="keep the app's pattern miner on: it then mines the whole load meanwhile",
    )
    return parser.parse_args(argv)


def filled(database: ScratchDatabase, rows: int) -> None:
    """Load `rows` logs over the 30 days before now, unless the database holds logs already."""
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM logs)")
        held = cursor.fetchone()[0]
    if held:
        progress(f"{database.name} holds logs already: measuring them")
    else:
        end = datetime.now(UTC).replace(microsecond=0)
        progress(f"loading {rows:,} rows over 30 days")
        corpus.load_recent(database, rows, end=end, days=30, progress=progress)
    # A database another bench loaded (bench.alert_sweep's) may hold deltas nothing folded yet.
    with closing(database.connect()) as connection:
        progress(rollups.describe(rollups.settle_rollups(connection)))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    started = time.strftime("%Y%m%d-%H%M%S")
    with ExitStack() as stack:
        if args.database:
            database = kept_database(args.database)
        else:
            database = stack.enter_context(scratch_database("lograph_explore"))
        # A miner catching up on a load of millions, in the app's own process, is not how a
        # server that has held these logs for a while serves them (bench.patterns measures it).
        patterns = {"ENABLE_PATTERNS": "true" if args.mining else "false"}
        url = database.sqlalchemy_url
        server = stack.enter_context(running_server(database_url=url, env=patterns))
        filled(database, args.rows)
        if args.load_only:
            return 0
        metrics = measure(server, args)
    print(markdown_table(metrics))
    version = int(server_version())
    print(
        f"\n- {args.rows:,} rows; PostgreSQL {version // 10000}.{version % 10000}; "
        f"{os.cpu_count()} cores shared by Chromium, the app (one worker) and PostgreSQL; "
        f"pattern miner {'on' if args.mining else 'off'}."
    )
    context = {"rows": args.rows, "postgres": server_version(), "cpus": os.cpu_count()}
    context["mining"] = args.mining
    print(f"\nSaved {write_json('explore', started=started, context=context, metrics=metrics)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
