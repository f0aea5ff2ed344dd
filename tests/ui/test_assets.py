"""The pages name only assets this server serves, and it serves each of them."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from ui.assets import ASSETS, missing_assets

PAGES = ["/graphql", "/docs", "/redoc", "/explore"]


def test_every_asset_is_installed() -> None:
    assert missing_assets() == [], "run `make setup` (npm ci in ui/)"


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_nothing_from_another_host(client: TestClient, path: str) -> None:
    page = client.get(path, headers={"accept": "text/html"})
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources
    # `data:` is inline, no request (the explorer's empty favicon, so Chromium asks for none).
    assert [source for source in sources if not source.startswith(("/", "data:"))] == []


@pytest.mark.parametrize("name", sorted(ASSETS))
def test_asset_is_served(module_client: TestClient, name: str) -> None:
    response = module_client.get(f"/ui/{name}")
    assert response.status_code == 200
    assert response.content


def test_redoc_asks_no_other_host_for_its_logo(client: TestClient) -> None:
    bundle = client.get("/ui/redoc.js")
    assert bundle.status_code == 200
    assert "redocly logo" in bundle.text  # the pinned ReDoc, still crediting its vendor
    assert "cdn.redoc.ly" not in bundle.text
    assert bundle.headers["cache-control"] == "public, max-age=86400"


def test_other_installed_files_are_not_served(client: TestClient) -> None:
    assert client.get("/ui/..%2Fpackage.json").status_code == 404
    assert client.get("/ui/package.json").status_code == 404


def test_graphiql_sets_since_to_a_day_ago(client: TestClient) -> None:
    page = client.get("/graphql", headers={"accept": "text/html"}).text
    assert "query RecentProblems($since: DateTime)" in page
    assert re.search(r'const EXAMPLE_VARIABLES = "\{\\n  \\"since\\": \\"20', page)
