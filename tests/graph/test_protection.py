"""Limits that refuse amplification, masking, and the SDL checked in."""

from __future__ import annotations

from fastapi.testclient import TestClient
from graphql import get_introspection_query

from graph.sdl import SDL_PATH, render_sdl
from tests.conftest import gql


def test_two_hundred_aliased_logs_fields_are_refused(client: TestClient) -> None:
    fields = " ".join(f"a{i}: logs(limit: 1000) {{ id }}" for i in range(200))
    body = gql(client, f"{{ {fields} }}")
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_full_introspection_query_passes(client: TestClient) -> None:
    body = gql(client, get_introspection_query(descriptions=True, input_value_deprecation=True))
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_overly_deep_query_is_refused(client: TestClient) -> None:
    nested = "fields { type { " * 8
    body = gql(client, "{ __schema { types { " + nested + "name" + " }" * 19)
    assert body.get("data") is None
    assert "depth" in body["errors"][0]["message"]


def test_syntax_error_is_bad_user_input(client: TestClient) -> None:
    body = gql(client, "{ logs { id ")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_graphiql_page_preloads_an_example_query(client: TestClient) -> None:
    page = client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "query RecentProblems" in page.text


def test_checked_in_schema_matches_the_code() -> None:
    assert SDL_PATH.read_text() == render_sdl(), "schema.graphql is stale: run `make schema`"
