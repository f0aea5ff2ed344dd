"""Errors quote at most a bounded prefix of what the client sent."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from graph.errors import MAX_MESSAGE_LENGTH
from tests.conftest import gql

HUGE = "x" * 1_000_000
BOUND = MAX_MESSAGE_LENGTH + 20


@pytest.mark.parametrize(
    "query",
    [
        "{ " + HUGE + " }",
        "{ logs { id } " + HUGE,
        '{ logs { id } "' + HUGE,
        '{ logs(filter: {startTime: "' + HUGE + '"}) { id } }',
        "{ logs(filter: {minLevel: " + HUGE.upper() + "}) { id } }",
        "query($" + HUGE + ": Int) { __typename }",
    ],
    ids=["field", "syntax", "unterminated-string", "datetime", "enum", "variable-name"],
)
def test_error_message_is_bounded(module_client: TestClient, query: str) -> None:
    response = module_client.post("/graphql", json={"query": query[:99_000]})
    assert response.status_code in (200, 400), response.text[:500]
    assert len(response.text) < 5 * BOUND
    for error in response.json()["errors"]:
        assert len(error["message"]) <= BOUND
        assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_datetime_variable_error_quotes_a_prefix(client: TestClient) -> None:
    query = "query($since: DateTime) { alerts(since: $since) { id } }"
    body = gql(client, query, {"since": HUGE})
    (error,) = body["errors"]
    assert "invalid ISO 8601 DateTime: 'xxxxxxxx" in error["message"]
    assert len(error["message"]) <= BOUND


def test_unknown_operation_name_is_bounded(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": "{ __typename }", "operationName": HUGE})
    assert response.status_code == 400
    assert len(response.text) < 2 * BOUND
