"""Every error about an argument or input field names it in `extensions.field`, including
those graphql-core raises while validating the document or the variables."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import gql

BULK_LITERAL = (
    'mutation { bulkCreate(inputs: [{level: ERROR, service: "s", message: "m"}, %s]) { count } }'
)
LOGS_WITH = "query($f: LogFilter) { logs(filter: $f) { id } }"
BULK_WITH = "mutation($i: [LogInput!]!) { bulkCreate(inputs: $i) { count } }"

CASES: list[tuple[str, str, dict[str, Any] | None, dict[str, Any]]] = [
    ("bad enum literal", "{ logs(filter: {minLevel: WARNN}) { id } }", None, {"field": "minLevel"}),
    (
        "bad date literal",
        '{ logs(filter: {startTime: "nope"}) { id } }',
        None,
        {"field": "startTime"},
    ),
    ("unknown input field", "{ logs(filter: {foo: 1}) { id } }", None, {"field": "foo"}),
    ("unknown argument", "{ logs(foo: 1) { id } }", None, {"field": "foo"}),
    ("wrong scalar literal", '{ logs(limit: "x") { id } }', None, {"field": "limit"}),
    ("missing argument", "{ log { id } }", None, {"field": "id"}),
    (
        "missing input field",
        'mutation { createLog(input: {level: ERROR, service: "s"}) { id } }',
        None,
        {"field": "message"},
    ),
    (
        "bad enum in a bulk item",
        BULK_LITERAL % '{level: NOPE, service: "s", message: "m"}',
        None,
        {"field": "level", "index": 1},
    ),
    (
        "missing field in a bulk item",
        BULK_LITERAL % '{service: "s", message: "m"}',
        None,
        {"field": "level", "index": 1},
    ),
    ("bad enum variable", LOGS_WITH, {"f": {"minLevel": "WARNN"}}, {"field": "minLevel"}),
    ("bad date variable", LOGS_WITH, {"f": {"startTime": "nope"}}, {"field": "startTime"}),
    ("unknown field in a variable", LOGS_WITH, {"f": {"bogus": 1}}, {"field": "bogus"}),
    (
        "missing field in a bulk variable",
        BULK_WITH,
        {
            "i": [
                {"level": "ERROR", "service": "s", "message": "m"},
                {"level": "ERROR", "service": "s"},
            ]
        },
        {"field": "message", "index": 1},
    ),
    (
        "missing variable",
        "mutation($i: LogInput!) { createLog(input: $i) { id } }",
        {},
        {"field": "input"},
    ),
    (
        "wrong scalar variable",
        "query($l: Int) { logs(limit: $l) { id } }",
        {"l": "x"},
        {"field": "limit"},
    ),
    ("resolver check", "{ logs(limit: -1) { id } }", None, {"field": "limit"}),
]


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_input_error_names_its_field(
    module_client: TestClient,
    query: str,
    variables: dict[str, Any] | None,
    expected: dict[str, Any],
) -> None:
    (error,) = gql(module_client, query, variables)["errors"]
    extensions = error["extensions"]
    assert extensions["code"] == "BAD_USER_INPUT"
    assert {key: extensions.get(key) for key in ("field", "index")} == {"index": None, **expected}


def test_errors_about_selections_name_no_field(client: TestClient) -> None:
    (error,) = gql(client, "{ logs { id nope } }")["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
