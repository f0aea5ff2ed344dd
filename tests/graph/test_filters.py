"""LogFilter's metadata, messageMatches, anyOf and not: the same answer from SQL on each backend
and from the in-memory matching alerts use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from strawberry.schema.config import StrawberryConfig
from strawberry.types.arguments import InputContext

from core.conditions import MAX_FILTER_CONDITIONS, MAX_FILTER_DEPTH
from core.filters import LogFilter, to_criteria
from db.matching import matches
from graph.inputs import LogFilterInput
from tests.conftest import gql
from tests.factories import create_logs, log_json

LOGS = """
query($filter: LogFilter) {
  logs(filter: $filter, limit: 1000) { id timestamp level service message metadata }
  stats(filter: $filter) { totalLogs }
}
"""
METADATA: dict[str, Any] = {
    "int": {"user": {"id": 42, "name": "Ada"}, "items": [{"sku": "X-1"}, {"sku": "y-2"}]},
    "str": {"user": {"id": "42"}, "n": "7", "tags": ["a", "b"]},
    "float": {"user": {"id": 42.0}, "n": 7.5, "flag": True},
    "null": {"user": {"id": None}, "n": None, "flag": 1},
    "none": None,
    "odd": {"a.b": 1, "0": {"x": "Straße"}, "list": [1, [2, 3]], "user": "not an object"},
}
CASES: list[tuple[dict[str, Any], set[str]]] = [
    ({"metadata": [{"path": "user.id", "equals": 42}]}, {"int", "float"}),
    ({"metadata": [{"path": "user.id", "equals": "42"}]}, {"str"}),
    ({"metadata": [{"path": "user.id", "equals": None}]}, {"null"}),
    ({"metadata": [{"path": "flag", "equals": True}]}, {"float"}),
    ({"metadata": [{"path": "flag", "equals": 1}]}, {"null"}),
    ({"metadata": [{"path": "tags", "equals": ["a", "b"]}]}, {"str"}),
    ({"metadata": [{"path": "tags", "equals": ["a"]}]}, set()),
    ({"metadata": [{"path": "user", "equals": {"id": "42"}}]}, {"str"}),
    ({"metadata": [{"path": "user.id", "notEquals": 42}]}, {"str", "null", "none", "odd"}),
    ({"metadata": [{"path": "n", "in": ["7", 7.5]}]}, {"str", "float"}),
    ({"metadata": [{"path": "user.id", "in": []}]}, set()),
    ({"metadata": [{"path": "user.id", "exists": True}]}, {"int", "str", "float", "null"}),
    ({"metadata": [{"path": "user.id", "exists": False}]}, {"none", "odd"}),
    ({"metadata": [{"path": "user.name", "contains": "AD"}]}, {"int"}),
    ({"metadata": [{"path": "user.id", "contains": "4"}]}, {"str"}),
    ({"metadata": [{"path": "0.x", "contains": "STRASSE"}]}, set()),
    ({"metadata": [{"path": "0.x", "contains": "straße"}]}, {"odd"}),
    ({"metadata": [{"path": "n", "gt": 7}]}, {"float"}),
    ({"metadata": [{"path": "n", "gte": 7.5, "lte": 7.5}]}, {"float"}),
    ({"metadata": [{"path": "user.id", "lt": 42}]}, set()),
    ({"metadata": [{"path": "user.id", "lte": 42}]}, {"int", "float"}),
    ({"metadata": [{"path": "flag", "gt": 0}]}, {"null"}),
    ({"metadata": [{"path": "items.1.sku", "equals": "y-2"}]}, {"int"}),
    ({"metadata": [{"path": "items.-1.sku", "contains": "Y"}]}, {"int"}),
    ({"metadata": [{"path": "items.5.sku", "exists": True}]}, set()),
    ({"metadata": [{"path": "list.1.0", "equals": 2}]}, {"odd"}),
    ({"metadata": [{"path": "a.b", "exists": True}]}, set()),
    ({"metadata": [{"path": "user.id.deeper", "exists": False}]}, set(METADATA)),
    ({"messageMatches": "^msg (int|str)$"}, {"int", "str"}),
    ({"messageMatches": "FLOAT"}, {"float"}),
    ({"messageMatches": "n.l+"}, {"null"}),
    (
        {"anyOf": [{"messageMatches": "int"}, {"metadata": [{"path": "n", "exists": True}]}]},
        {"int", "str", "float", "null"},
    ),
    ({"anyOf": []}, set()),
    ({"not": {"metadata": [{"path": "user.id", "equals": 42}]}}, {"str", "null", "none", "odd"}),
    ({"not": {"anyOf": [{"service": "a"}, {"not": {"level": "ERROR"}}]}}, {"null"}),
    ({"not": {}}, set()),
    ({"level": "ERROR", "anyOf": [{"service": "a"}, {"service": "b"}]}, {"float", "null"}),
]


@dataclass(frozen=True)
class Record:
    timestamp: datetime
    level: str
    service: str
    message: str
    metadata: Any


def seed(client: TestClient) -> None:
    create_logs(
        client,
        *[
            log_json(
                message=f"msg {name}",
                metadata_=metadata,
                level="ERROR" if name in {"float", "null"} else "INFO",
                service="b" if name in {"null", "none"} else "a",
            )
            for name, metadata in METADATA.items()
        ],
    )


def query(client: TestClient, log_filter: dict[str, Any]) -> dict[str, Any]:
    body = gql(client, LOGS, {"filter": log_filter})
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def test_every_operator_matches_alike_in_sql_and_in_memory(client: TestClient) -> None:
    seed(client)
    every = query(client, {})["logs"]
    records = [
        Record(
            timestamp=datetime.fromisoformat(log["timestamp"]),
            level=log["level"],
            service=log["service"],
            message=log["message"],
            metadata=log["metadata"],
        )
        for log in every
    ]
    for log_filter, expected in CASES:
        data = query(client, log_filter)
        found = {log["message"].removeprefix("msg ") for log in data["logs"]}
        assert found == expected, log_filter
        assert data["stats"]["totalLogs"] == len(expected), log_filter
        criteria = to_criteria(_as_input(log_filter))
        in_memory = {r.message.removeprefix("msg ") for r in records if matches(criteria, r)}
        assert in_memory == expected, log_filter


CONTEXT = InputContext(info=None, config=StrawberryConfig(), scalar_registry={}, path=())


def _as_input(log_filter: dict[str, Any]) -> LogFilter:
    """The filter as the resolvers receive it from a coerced GraphQL value."""
    build = LogFilterInput.__strawberry_definition__.from_input  # type: ignore[attr-defined]
    result: LogFilter = build(LogFilterInput, log_filter, CONTEXT)
    return result


@pytest.mark.parametrize(
    ("log_filter", "field"),
    [
        ({"metadata": [{"path": "", "exists": True}]}, "metadata[0].path"),
        ({"metadata": [{"path": "a..b", "exists": True}]}, "metadata[0].path"),
        ({"metadata": [{"path": "a.", "exists": True}]}, "metadata[0].path"),
        ({"metadata": [{"path": "a"}]}, "metadata[0]"),
        ({"metadata": [{"path": "a" * 300, "exists": True}]}, "metadata[0].path"),
        ({"metadata": [{"path": ".".join("a" * 17), "exists": True}]}, "metadata[0].path"),
        ({"metadata": [{"path": "a\x00", "exists": True}]}, "metadata[0].path"),
        ({"metadata": [{"path": "a", "equals": "x\x00"}]}, "metadata[0].equals"),
        ({"metadata": [{"path": "a", "equals": 2**70}]}, "metadata[0].equals"),
        ({"metadata": [{"path": "a", "equals": "x" * 5000}]}, "metadata[0].equals"),
        ({"metadata": [{"path": "a", "in": list(range(101))}]}, "metadata[0].in"),
        (
            {"anyOf": [{"metadata": [{"path": "a", "contains": "x\x00"}]}]},
            "anyOf[0].metadata[0].contains",
        ),
        ({"messageMatches": "("}, "messageMatches"),
        ({"messageMatches": "(a+)+$"}, "messageMatches"),
        ({"messageMatches": "(?P<x>a)"}, "messageMatches"),
        ({"messageMatches": "\\bword"}, "messageMatches"),
        ({"messageMatches": "a" * 300}, "messageMatches"),
        ({"messageMatches": ""}, "messageMatches"),
        ({"messageMatches": "[[:alpha:]]"}, "messageMatches"),
        ({"messageMatches": "[a-z&&b]"}, "messageMatches"),
        ({"messageMatches": "a{256}"}, "messageMatches"),
        ({"messageMatches": "(?i:a)"}, "messageMatches"),
        ({"not": {"messageMatches": "["}}, "not.messageMatches"),
        (
            {"not": {"startTime": "2025-01-02T00:00Z", "endTime": "2025-01-01T00:00Z"}},
            "not.endTime",
        ),
        ({"messageContains": "x\x00"}, "messageContains"),
    ],
)
def test_bad_filters_are_bad_user_input_naming_the_field(
    module_client: TestClient, log_filter: dict[str, Any], field: str
) -> None:
    body = gql(module_client, LOGS, {"filter": log_filter})
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, error


def test_a_pattern_only_postgresql_refuses_is_bad_user_input_too(client: TestClient) -> None:
    seed(client)
    body = gql(client, LOGS, {"filter": {"messageMatches": "(m)(?=\\1)"}})
    for error in body.get("errors", []):  # SQLite runs it; PostgreSQL refuses the backreference
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "messageMatches"}


def nested(depth: int) -> dict[str, Any]:
    log_filter: dict[str, Any] = {"level": "INFO"}
    for _ in range(depth - 1):
        log_filter = {"not": log_filter}
    return log_filter


def test_nesting_is_capped(client: TestClient) -> None:
    assert "errors" not in gql(client, LOGS, {"filter": nested(MAX_FILTER_DEPTH)})
    body = gql(client, LOGS, {"filter": nested(MAX_FILTER_DEPTH + 1)})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "filter"


def test_very_deep_nesting_is_bad_user_input_not_a_crash(client: TestClient) -> None:
    body = gql(client, LOGS, {"filter": nested(400)})
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}


def test_conditions_are_capped(client: TestClient) -> None:
    many = [{"path": "a", "exists": True}] * MAX_FILTER_CONDITIONS
    body = gql(client, LOGS, {"filter": {"metadata": many}})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "filter"}
    wide = {"anyOf": [{"level": "INFO"}] * MAX_FILTER_CONDITIONS}
    body = gql(client, LOGS, {"filter": wide})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_body_nested_past_the_recursion_limit_is_refused_not_a_crash(
    client: TestClient,
) -> None:
    deep = '{"not":' * 5000 + "{}" + "}" * 5000
    body = '{"query": "query($f: LogFilter) { logs(filter: $f) { id } }", "variables": {"f": '
    response = client.post(
        "/graphql", content=body + deep + "}}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
