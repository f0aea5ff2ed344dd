"""The explorer's files: every GraphQL document valid against schema.graphql, within the size
budget, and nothing served but the page's own modules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from graphql import build_schema, parse, validate

from ui.assets import ASSETS, NODE_MODULES
from ui.explore import SOURCES, source_names, source_version

SCHEMA = build_schema((Path(__file__).resolve().parents[2] / "schema.graphql").read_text())
BUDGET_BYTES = 200_000
# The libraries the page loads, counted in its budget with its own files.
LIBRARIES = ["uplot.js", "uplot.css", "graphql-ws.js"]


def documents() -> dict[str, str]:
    """Each exported document of documents.js, its `${LOG_FIELDS}` style parts filled in."""
    text = (SOURCES / "documents.js").read_text()
    parts = dict(re.findall(r'^const (\w+) = "([^"]*)";', text, re.MULTILINE))
    found = re.findall(r"^export const (\w+) = `([^`]*)`;", text, re.MULTILINE)
    return {name: re.sub(r"\$\{(\w+)\}", lambda m: parts[m[1]], body) for name, body in found}


def test_documents_js_exports_documents() -> None:
    assert {"FIRST_PAGE", "NEXT_PAGE"} <= set(documents())


@pytest.mark.parametrize("name", sorted(documents()))
def test_document_is_valid_against_the_schema(name: str) -> None:
    assert validate(SCHEMA, parse(documents()[name])) == []


def test_page_and_its_libraries_fit_the_budget() -> None:
    own = sum((SOURCES / name).stat().st_size for name in source_names())
    libraries = sum((NODE_MODULES / ASSETS[name]).stat().st_size for name in LIBRARIES)
    assert own + libraries <= BUDGET_BYTES


def test_explore_page_names_only_files_this_server_serves(client: TestClient) -> None:
    page = client.get("/explore")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="(/[^"]+)"', page.text)  # not the inline data: favicon
    assert sources
    for source in sources:
        assert client.get(source).status_code == 200, source


@pytest.mark.parametrize("name", source_names())
def test_explore_module_is_served_with_its_type(module_client: TestClient, name: str) -> None:
    response = module_client.get(f"/ui/explore/{name}")
    assert response.status_code == 200
    expected = "text/javascript" if name.endswith(".js") else "text/css"
    assert response.headers["content-type"].startswith(expected)


def test_explore_serves_nothing_else_from_its_folder(client: TestClient) -> None:
    assert client.get("/ui/explore/..%2F..%2Fmain.py").status_code == 404
    assert client.get("/ui/explore/missing.js").status_code == 404


def test_explore_modules_asked_for_by_version_are_kept_and_others_revalidated(
    client: TestClient,
) -> None:
    page = client.get("/explore").text
    version = source_version("main.js")
    assert f'"/ui/explore/main.js": "/ui/explore/main.js?v={version}"' in page  # the import map
    assert '<link rel="modulepreload" href="/ui/explore/results.js?v=' in page
    kept = client.get(f"/ui/explore/main.js?v={version}").headers["cache-control"]
    assert kept == "public, max-age=31536000, immutable"
    for stale in ("/ui/explore/main.js", "/ui/explore/main.js?v=0000"):
        assert client.get(stale).headers["cache-control"] == "no-cache"
