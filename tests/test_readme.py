"""The README's GraphQL examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import gql

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLES = re.findall(r"```graphql\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_graphql_examples() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("document", [e for e in EXAMPLES if "subscription" not in e])
def test_readme_graphql_example_runs(client: TestClient, document: str) -> None:
    body = gql(client, document)
    codes = {error["extensions"]["code"] for error in body.get("errors", [])}
    # deleteLog of an id that may not exist in this database is the one allowed refusal.
    assert codes <= {"NOT_FOUND"}, body
