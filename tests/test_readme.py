"""The examples of the README and of docs/ run as written, and their links lead somewhere."""

from __future__ import annotations

import itertools
import re
import shlex
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from main import create_app
from tests.conftest import app_settings, gql
from tests.documents import ROOT, anchors, blocks, examples, reading_order

BASE_URL = "http://127.0.0.1:8000"
EXAMPLES = examples("graphql")


def test_the_docs_have_graphql_examples() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("document", [e for e in EXAMPLES if "subscription" not in e])
def test_readme_graphql_example_runs(client: TestClient, document: str) -> None:
    body = gql(client, document)
    codes = {error["extensions"]["code"] for error in body.get("errors", [])}
    # Alone (the in-order test runs them all), deleteLog may find its id taken by earlier tests.
    assert codes <= {"NOT_FOUND"}, body


def readme_steps() -> list[tuple[str, str]]:
    """The GraphQL documents and curl commands against the server, in reading order."""
    steps: list[tuple[str, str]] = []
    for language, block in blocks("graphql", "sh"):
        if language == "graphql":
            if "subscription" not in block:
                steps.append(("graphql", block))
            continue
        command = ""
        for line in block.splitlines():
            command += line + "\n"
            try:
                tokens = shlex.split(command.replace("\\\n", " "), comments=True)
            except ValueError:
                continue  # a quoted body goes on over the next lines
            if command.rstrip().endswith("\\"):
                continue
            if tokens[:1] == ["curl"] and any(BASE_URL in token for token in tokens):
                steps.append(("curl", command))
            command = ""
    return steps


def run_curl(client: TestClient, command: str) -> httpx.Response:
    tokens = shlex.split(command.replace("\\\n", " "), comments=True)
    options = dict(itertools.pairwise(tokens))
    body = options.get("-d")
    method = options.get("-X", "POST" if body is not None else "GET")
    (url,) = [token for token in tokens if token.startswith(BASE_URL)]
    headers = {"content-type": "application/json"} if body is not None else {}
    # curl -G sends each --data-urlencode name=value in the query string
    params: list[tuple[str, str]] = [
        (name, value)
        for option, pair in itertools.pairwise(tokens)
        if option == "--data-urlencode"
        for name, value in [pair.split("=", 1)]
    ]
    response: httpx.Response = client.request(
        method, url.removeprefix(BASE_URL), content=body, headers=headers, params=params
    )
    return response


def test_readme_examples_run_in_order_on_a_fresh_database(tmp_path: Path) -> None:
    settings = app_settings(database_url=f"sqlite:///{tmp_path / 'fresh.db'}", enable_alerts=False)
    steps = readme_steps()
    assert sum(kind == "curl" for kind, _ in steps) >= 10
    with TestClient(create_app(settings)) as client:
        for kind, text in steps:
            if kind == "graphql":
                body = gql(client, text)
                assert "errors" not in body, (text, body)
                continue
            response = run_curl(client, text)
            assert response.status_code == 200, (text, response.text)
            assert "errors" not in response.json(), (text, response.text)


@pytest.mark.parametrize(
    "page", [*reading_order(), *sorted((ROOT / "bench").glob("*.md"))], ids=lambda page: page.name
)
def test_links_lead_to_files_and_headings_in_the_repository(page: Path) -> None:
    targets = re.findall(r"\]\(([^)\s]+)\)", page.read_text())
    for target in (target for target in targets if "://" not in target):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.is_relative_to(ROOT), target
        assert linked.exists(), target
        if anchor:
            assert anchor in anchors(linked), target


def test_the_readme_stays_short() -> None:
    assert len(reading_order()[0].read_text().splitlines()) <= 250
