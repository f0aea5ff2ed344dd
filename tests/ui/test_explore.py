"""The explorer in Chromium against a real server with seeded logs: search, URL state,
endless scrolling, keyboard."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from testing.server import Server
from tests.ui.explorer import (
    DECLINED_EVERY,
    SEEDED,
    open_explorer,
    rows,
    screenshot,
    seed,
    seeded_log,
    url_params,
)

pytestmark = pytest.mark.slow  # each test drives Chromium against a real server

TIMEOUT_MS = 30_000
DECLINED = SEEDED // DECLINED_EVERY


@pytest.fixture(scope="module")
def seeded(server: Server) -> Server:
    seed(server)
    return server


def matching(predicate: Callable[[dict[str, Any]], bool]) -> int:
    """How many seeded logs the predicate holds for."""
    now = datetime.now(UTC)
    return sum(1 for index in range(SEEDED) if predicate(seeded_log(index, now)))


def test_typed_search_shows_matching_rows_and_lands_in_the_url(page: Page, seeded: Server) -> None:
    open_explorer(page, seeded)
    expect(page.locator("#total")).to_contain_text(f"{SEEDED:,} logs match")
    screenshot(page, "01-all-logs")

    page.get_by_label("Message").fill("declined")
    page.get_by_label("Message").press("Enter")

    expect(page.locator("#total")).to_contain_text(f"{DECLINED} logs match")
    assert all("declined" in message for message in rows(page))
    assert url_params(page)["q"] == ["declined"]
    screenshot(page, "02-search")


def test_the_page_fetches_each_of_its_files_once_by_version(page: Page, seeded: Server) -> None:
    """Versioned URLs are what lets a browser keep the files (the tests' request routing turns
    Chromium's cache off, so the keeping itself is checked on the headers alone)."""
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    open_explorer(page, seeded)
    own = [url for url in asked if "/ui/explore/" in url]
    assert len(own) == len(set(own)) >= 15
    assert all("?v=" in url for url in own), own


def test_back_and_forward_move_between_searches(page: Page, seeded: Server) -> None:
    open_explorer(page, seeded)
    page.get_by_label("ERROR", exact=True).check()
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"level=ERROR"))
    expect(page.locator("#results .level").first).to_have_text("ERROR")

    page.go_back()
    expect(page.locator("#total")).to_contain_text(f"{SEEDED:,} logs match")
    expect(page.get_by_label("ERROR", exact=True)).not_to_be_checked()
    page.go_forward()
    expect(page.get_by_label("ERROR", exact=True)).to_be_checked()
    expect(page.locator("#results .level").first).to_have_text("ERROR")


def test_a_link_reproduces_every_control_of_the_view(page: Page, seeded: Server) -> None:
    query = "?q=request+%5Cd%2B3+served&re=1&service=search,billing&exclude=billing"
    query += "&min=INFO&m=user.id+equals+3&m=region+in+eu&range=7d&order=asc"
    open_explorer(page, seeded, query)

    expect(page.get_by_label("Message")).to_have_value(r"request \d+3 served")
    expect(page.get_by_label("Regular expression")).to_be_checked()
    expect(page.get_by_label("Services", exact=True)).to_have_value("search, billing")
    expect(page.get_by_label("Minimum level")).to_have_value("INFO")
    expect(page.get_by_label("Time range")).to_have_value("7d")
    expect(page.get_by_label("Metadata conditions")).to_have_value("user.id equals 3\nregion in eu")
    expect(page.get_by_role("button", name="Sort order")).to_have_text("Oldest first")
    messages = rows(page)
    assert messages
    # search logs are 1 mod 3, user 3 ends in 3, eu is odd: ascending means oldest first.
    indexes = [int(message.split()[1]) for message in messages]
    assert indexes == sorted(indexes, reverse=True)
    assert all(index % 3 == 1 and index % 10 == 3 for index in indexes)


def test_absolute_range_from_the_bar_goes_to_the_url(page: Page, seeded: Server) -> None:
    open_explorer(page, seeded)
    page.get_by_label("Time range").select_option("absolute")
    page.get_by_label("From", exact=True).fill("2001-01-01T00:00:00")
    page.get_by_label("To", exact=True).fill("2001-01-02T00:00:00")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#total")).to_contain_text("0 logs match")
    assert {"from", "to"} <= set(url_params(page))
    expect(page.locator("#results")).to_contain_text("No logs match")


def test_scrolling_loads_pages_past_a_thousand_rows_with_a_small_dom(
    page: Page, seeded: Server
) -> None:
    open_explorer(page, seeded)
    results = page.locator("#results")
    for _ in range(40):
        results.evaluate("element => { element.scrollTop = element.scrollHeight; }")
        if page.locator('#results .log[data-index="1499"]').count():
            break
        page.wait_for_timeout(100)
    expect(page.locator('#results .log[data-index="1499"]')).to_be_attached()
    expect(page.locator("#total")).to_contain_text(f"{SEEDED:,} loaded")
    assert page.locator("#results .log").count() < 150
    # The oldest seeded log is the last one, newest first.
    expect(page.locator('#results .log[data-index="1499"] .message')).to_have_text(
        f"request {SEEDED - 1} served"
    )


def test_keyboard_moves_through_results_and_slash_focuses_search(
    page: Page, seeded: Server
) -> None:
    open_explorer(page, seeded)
    page.locator("#results").focus()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("k")
    expect(page.locator('#results .log[aria-selected="true"]')).to_have_attribute("data-index", "1")
    page.keyboard.press("/")
    expect(page.get_by_label("Message")).to_be_focused()


def test_order_toggle_shows_oldest_first(page: Page, seeded: Server) -> None:
    open_explorer(page, seeded)
    page.get_by_role("button", name="Sort order").click()
    expect(page.locator("#results .log .message").first).to_have_text(
        f"request {SEEDED - 1} served"
    )
    assert url_params(page)["order"] == ["asc"]


def drag(page: Page, selector: str, start: float, end: float) -> None:
    """Press at `start` of the element's width, move to `end`, release."""
    box = page.locator(selector).bounding_box()
    assert box is not None
    middle = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start, middle)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * (start + end) / 2, middle, steps=5)
    page.mouse.move(box["x"] + box["width"] * end, middle, steps=5)
    page.mouse.up()


def shown_instants(page: Page) -> list[datetime]:
    return [
        datetime.fromisoformat(value)
        for value in page.locator("#results .log time").evaluate_all(
            "times => times.map(time => time.dateTime)"
        )
    ]


def test_histogram_draws_between_60_and_200_bars_stacked_by_level(
    page: Page, seeded: Server
) -> None:
    open_explorer(page, seeded)
    chart = page.locator("#histogram")
    expect(chart).to_have_attribute("data-interval", "FIFTEEN_MINUTES")
    assert 60 <= int(chart.get_attribute("data-bars") or 0) <= 200
    expect(chart.locator("canvas")).to_be_visible()
    screenshot(page, "03-histogram")


def test_dragging_across_the_histogram_zooms_the_url_and_the_rows(
    page: Page, seeded: Server
) -> None:
    open_explorer(page, seeded)
    expect(page.locator("#histogram")).to_have_attribute("data-bars", re.compile(r"\d+"))
    drag(page, "#histogram .u-over", 0.80, 0.95)

    expect(page).to_have_url(re.compile(r"from=.*&to="))
    start, end = (datetime.fromisoformat(url_params(page)[key][0]) for key in ("from", "to"))
    assert end - start > timedelta(hours=2)
    expect(page.get_by_label("Time range")).to_have_value("absolute")
    expect(page.locator("#total")).not_to_contain_text(f"{SEEDED:,} logs match")
    instants = shown_instants(page)
    assert instants
    assert all(start <= instant <= end for instant in instants)
    screenshot(page, "04-zoomed")

    page.go_back()
    expect(page.locator("#total")).to_contain_text(f"{SEEDED:,} logs match")


def test_clicking_a_bar_narrows_to_its_bucket(page: Page, seeded: Server) -> None:
    open_explorer(page, seeded)
    expect(page.locator("#histogram")).to_have_attribute("data-bars", re.compile(r"\d+"))
    box = page.locator("#histogram .u-over").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.97, box["y"] + box["height"] / 2)

    expect(page).to_have_url(re.compile(r"from=.*&to="))
    start, end = (datetime.fromisoformat(url_params(page)[key][0]) for key in ("from", "to"))
    assert timedelta(minutes=14) < end - start < timedelta(minutes=15)
    assert (start.minute % 15, start.second) == (0, 0)
    assert all(start <= instant <= end for instant in shown_instants(page))


def open_log(page: Page, message: str) -> None:
    exact = page.locator(".message", has_text=re.compile(f"^{re.escape(message)}$"))
    page.locator("#results .log", has=exact).click()
    expect(page.get_by_role("complementary", name="Log detail")).to_contain_text(message)


def test_a_log_opens_with_fields_metadata_and_its_context_from_its_service(
    page: Page, seeded: Server
) -> None:
    open_explorer(page, seeded)
    open_log(page, "payment declined #25")
    detail = page.get_by_role("complementary", name="Log detail")
    expect(detail.locator("dd").nth(3)).to_have_text("checkout")
    expect(detail.locator(".json-tree")).to_contain_text('region: "eu"')
    expect(detail.locator(".json-tree")).to_contain_text("id: 5")
    # checkout writes every third log and every declined one; newest first, the five newer
    # ones come above, the five older below.
    context = detail.get_by_role("region", name="Context").locator("li .message")
    expected = [12, 15, 18, 21, 24, "#25", 27, 30, 33, 36, 39]
    names = [
        f"payment declined {n}" if isinstance(n, str) else f"request {n} served" for n in expected
    ]
    expect(context).to_have_text(names)
    assert "log=" in page.url
    screenshot(page, "05-detail")

    detail.get_by_role("button", name="Show more logs after").click()
    expect(context).to_have_count(16)
    expect(context.nth(14)).to_have_text("payment declined #50")


def test_detail_buttons_add_or_exclude_filters(page: Page, seeded: Server) -> None:
    open_explorer(page, seeded)
    open_log(page, "payment declined #25")
    page.get_by_role("button", name="Filter user.id = 5").click()
    expect(page.locator("#total")).to_contain_text(f"{SEEDED // 10} logs match")
    assert url_params(page)["m"] == ["user.id equals 5"]
    expect(page.get_by_role("complementary", name="Log detail")).to_be_hidden()

    open_log(page, "payment declined #25")
    page.get_by_role("button", name="Exclude service checkout").click()
    others = matching(lambda log: log["metadata"]["user"]["id"] == 5)
    others -= matching(
        lambda log: log["metadata"]["user"]["id"] == 5 and log["service"] == "checkout"
    )
    expect(page.locator("#total")).to_contain_text(f"{others} logs match")
    assert url_params(page)["exclude"] == ["checkout"]

    page.go_back()
    expect(page.get_by_label("Exclude services")).to_have_value("")


def test_a_copied_link_opens_the_same_log(
    page: Page, seeded: Server, browser: BrowserContext
) -> None:
    open_explorer(page, seeded, "?q=declined")
    open_log(page, "payment declined #50")
    page.get_by_role("button", name="Copy link to this log").click()
    link = page.get_by_role("textbox", name="Link to this log").input_value()
    assert "log=" in link

    other = browser.new_page()
    other.goto(link)
    detail = other.get_by_role("complementary", name="Log detail")
    expect(detail).to_contain_text("payment declined #50")
    expect(detail.get_by_role("region", name="Context").locator("li")).to_have_count(11)
    other.keyboard.press("Escape")
    expect(detail).to_be_hidden()
    assert "log=" not in other.url
    other.close()


def test_enter_opens_the_selected_log(page: Page, seeded: Server) -> None:
    open_explorer(page, seeded, "?q=declined")
    page.locator("#results").focus()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page.get_by_role("complementary", name="Log detail")).to_contain_text(
        "payment declined #25"
    )


def test_facets_count_the_search_and_narrow_it_when_clicked(page: Page, seeded: Server) -> None:
    open_explorer(page, seeded)
    facets = page.get_by_role("navigation", name="Facets")
    expect(
        facets.get_by_role(
            "button", name=f"Filter level ERROR ({matching(lambda log: log['level'] == 'ERROR')})"
        )
    ).to_be_visible()
    screenshot(page, "06-facets")

    facets.get_by_role("button", name=re.compile(r"^Filter service billing ")).click()
    expect(page.get_by_label("Services", exact=True)).to_have_value("billing")
    expect(page.locator("#total")).to_contain_text(
        f"{matching(lambda log: log['service'] == 'billing')} logs match"
    )
    expect(facets.get_by_role("button", name=re.compile(r"^Filter service "))).to_have_count(1)

    facets.get_by_role("button", name=re.compile(r"^Filter level WARN ")).click()
    assert url_params(page)["level"] == ["WARN"]
    expect(page.locator("#results .level").first).to_have_text("WARN")


METADATA_CASES = [
    ("user.id equals 7", lambda metadata: metadata["user"]["id"] == 7),
    ("user.id notEquals 7", lambda metadata: metadata["user"]["id"] != 7),
    ("user.id in [1, 2]", lambda metadata: metadata["user"]["id"] in (1, 2)),
    ("region exists true", lambda metadata: True),
    ("shard exists true", lambda metadata: False),
    ("region contains E", lambda metadata: metadata["region"] == "eu"),
    ("user.id gt 7", lambda metadata: metadata["user"]["id"] > 7),
    ("user.id gte 7", lambda metadata: metadata["user"]["id"] >= 7),
    ("user.id lt 2", lambda metadata: metadata["user"]["id"] < 2),
    ("user.id lte 2", lambda metadata: metadata["user"]["id"] <= 2),
]


@pytest.mark.parametrize(("condition", "holds"), METADATA_CASES, ids=[c for c, _ in METADATA_CASES])
def test_every_metadata_operator_filters_from_the_bar(
    page: Page, seeded: Server, condition: str, holds: Callable[[dict[str, Any]], bool]
) -> None:
    open_explorer(page, seeded, "?service=checkout,search,billing")
    page.get_by_label("Metadata conditions").fill(condition)
    page.get_by_role("button", name="Search", exact=True).click()
    expected = matching(lambda log: holds(log["metadata"]))
    expect(page.locator("#total")).to_contain_text(f"{expected:,} logs match")
    assert url_params(page)["m"] == [condition]


def test_services_are_suggested_and_times_show_utc_on_hover(page: Page, seeded: Server) -> None:
    open_explorer(page, seeded)
    options = page.locator("#service-names option")
    expect(options.first).to_be_attached()
    assert {"billing", "checkout", "search"} <= set(
        options.evaluate_all("all => all.map(o => o.value)")
    )
    assert page.get_by_label("Services", exact=True).get_attribute("list") == "service-names"
    first = page.locator("#results .log time").first
    instant = datetime.fromisoformat(first.get_attribute("datetime") or "")
    assert first.get_attribute("title") == instant.strftime("%Y-%m-%d %H:%M:%S.000 UTC")
