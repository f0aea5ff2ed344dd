"""Hostile or broken HTTP requests: each a clear 4xx with a GraphQL error body, never a 500."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from graph import body, limits
from graph.limits import (
    MAX_LIST_ITEMS,
    MAX_QUERY_LENGTH,
    MAX_VARIABLE_DEPTH,
    MAX_VARIABLE_VALUES,
)
from tests.conftest import gql

BULK = "mutation($inputs: [LogInput!]!) { bulkCreate(inputs: $inputs) { count } }"
CREATE = "mutation($input: LogInput!) { createLog(input: $input) { id } }"


def post(client: TestClient, content: bytes | str) -> Response:
    response: Response = client.post(
        "/graphql", content=content, headers={"content-type": "application/json"}
    )
    return response


def refusal(response: Response, status: int) -> dict[str, Any]:
    """The one error of a refused request, after checking its status and shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    return dict(error)


@pytest.mark.parametrize(
    "content",
    [
        b"null",
        b"123",
        b'"{ __typename }"',
        b"[]",
        b"\xff\xfe{}",
        b'{"query": "{ __typename }", "x": NaN}',
        b'{"query": "{ __typename }", "variables": {"a": 123456789012345678901, "b": NaN}}',
        b"[" * 1000 + b"]" * 1000,
        b'{"query": "{ __typename }", "variables": ' + b'{"a": ' * 1030 + b"1" + b"}" * 1031,
        b'{"query": 1}',
        b'{"query": "{ __typename }", "operationName": 1}',
        b'{"query": "{ __typename }", "variables": [1]}',
        b'{"query": "{ __typename }", "extensions": "x"}',
    ],
    ids=[
        "null",
        "number",
        "string",
        "batch",
        "invalid-utf8",
        "nan",
        "nan-beside-a-wide-integer",
        "nested-1000",
        "nested-variables",
        "query-not-text",
        "operation-name-not-text",
        "variables-not-object",
        "extensions-not-object",
    ],
)
def test_malformed_body_is_a_clear_400(module_client: TestClient, content: bytes) -> None:
    refusal(post(module_client, content), 400)


@pytest.mark.parametrize(
    "params",
    [
        "query={__typename}&variables=xx",
        "query={__typename}&variables=123",
        "query={__typename}&variables=%ff",
        "query=",
        "query=mutation{deleteLog(id:1){id}}",
        "query={__typename}&extensions=[",
    ],
)
def test_get_with_bad_parameters_is_a_clear_400(module_client: TestClient, params: str) -> None:
    response = module_client.get(f"/graphql?{params}", headers={"accept": "application/json"})
    refusal(response, 400)


def test_subscription_over_http_is_a_clear_400(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": "subscription { alerts { id } }"})
    assert "subscriptions" in refusal(response, 400)["message"]


def test_nested_variables_deeper_than_the_limit_are_refused(client: TestClient) -> None:
    metadata: Any = 1
    for _ in range(MAX_VARIABLE_DEPTH):
        metadata = [metadata]
    log = {"level": "INFO", "service": "s", "message": "m", "metadata": {"deep": metadata}}
    response = client.post("/graphql", json={"query": CREATE, "variables": {"input": log}})
    error = refusal(response, 400)
    assert error["extensions"]["field"] == "input"
    assert gql(client, "{ logs { id } }") == {"data": {"logs": []}}


@pytest.mark.slow
def test_a_million_bulk_inputs_are_refused_before_coercion(client: TestClient) -> None:
    item = '{"level": "INFO", "service": "s", "message": "m"}'
    variables = '{"inputs": [' + ",".join([item] * 1_000_000) + "]}"
    response = post(client, '{"query": ' + json.dumps(BULK) + ', "variables": ' + variables + "}")
    error = refusal(response, 413)
    assert error["extensions"]["field"] == "inputs"
    assert f"at most {MAX_LIST_ITEMS}" in error["message"]


def test_any_list_variable_over_the_limit_is_refused(client: TestClient) -> None:
    query = "query($f: LogFilter) { logs(filter: $f) { id } }"
    variables = {"f": {"services": ["s"] * (MAX_LIST_ITEMS + 1)}}
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert refusal(response, 413)["extensions"]["field"] == "f"


@pytest.mark.slow
@pytest.mark.parametrize("comment", [MAX_QUERY_LENGTH, 20_000_000])
def test_query_longer_than_the_limit_is_refused_before_parsing(
    client: TestClient, comment: int
) -> None:
    query = "{ __typename } # " + "x" * comment  # the token limit does not count comments
    error = refusal(client.post("/graphql", json={"query": query}), 413)
    assert error["extensions"]["field"] == "query"
    assert len(error["message"]) < 200


def test_query_within_the_limit_with_a_long_comment_runs(client: TestClient) -> None:
    query = "{ __typename } # " + "x" * (MAX_QUERY_LENGTH - 100)
    assert gql(client, query) == {"data": {"__typename": "Query"}}


def test_big_bodies_are_decoded_off_the_event_loop(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []

    def check_operation(*args: Any) -> None:
        threads.append(threading.get_ident())
        limits.check_operation(*args)

    monkeypatch.setattr(body, "check_operation", check_operation)
    loop_thread = client.portal.call(threading.get_ident)  # type: ignore[union-attr]
    padding = "x" * body.OFF_LOOP_BYTES
    for query in ("{ __typename }", "{ __typename } #" + padding):
        assert gql(client, query) == {"data": {"__typename": "Query"}}
    small, big = threads
    assert small == loop_thread
    assert big != loop_thread


@pytest.mark.slow
def test_variables_holding_too_many_values_in_all_are_refused(client: TestClient) -> None:
    lists = MAX_VARIABLE_VALUES // MAX_LIST_ITEMS + 1
    variables = {"f": {"services": ["s"] * MAX_LIST_ITEMS}} | {
        f"unused{i}": [0] * MAX_LIST_ITEMS for i in range(lists)
    }
    query = "query($f: LogFilter) { logs(filter: $f) { id } }"
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert f"at most {MAX_VARIABLE_VALUES} values" in refusal(response, 413)["message"]
