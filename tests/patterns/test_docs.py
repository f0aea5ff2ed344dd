"""docs/patterns.md's GraphQL examples run as written, on logs that have their patterns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import gql
from tests.patterns.test_filter import mined

DOCS = Path(__file__).resolve().parents[2] / "docs" / "patterns.md"
EXAMPLES = re.findall(r"```graphql\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)


def test_the_docs_have_graphql_examples() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("document", EXAMPLES)
def test_a_docs_example_runs(client: TestClient, document: str) -> None:
    ids = mined(client)
    body = gql(client, document, {"ids": [str(n) for n in ids.values()]})
    assert "errors" not in body, body
