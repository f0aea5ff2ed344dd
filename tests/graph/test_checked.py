"""A query text seen before runs straight through graphql-core, with the same answer."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

import graph.fast.checked
import graph.fast.schema
from tests.conftest import fast_path_only  # noqa: F401  # the fast path's own tests

OPERATIONS: list[dict[str, Any]] = [
    {"query": "{ logs(limit: 2) { id level service message metadata timestamp } }"},
    {"query": "query A { logs { id } } query B { stats { totalLogs } }"},  # the first runs
    {"query": "query A { logs { id } } query B { stats { totalLogs } }", "operationName": "B"},
    {"query": "query A { logs { id } }", "operationName": "C"},  # no such operation
    {"query": "query($n: Int) { logs(limit: $n) { id } }", "variables": {"n": "x"}},
    {"query": "query($n: Int) { logs(limit: $n) { id } }", "variables": {"n": 5000}},
    {"query": '{ logs(filter: {metadata: [{path: ""}]}) { id } }'},
    {"query": "mutation { deleteLog(id: 999) { id } }"},
    {"query": "subscription { alerts { id } }"},
]


@pytest.mark.parametrize("operation", OPERATIONS, ids=range(len(OPERATIONS)))
def test_a_second_run_answers_as_the_first(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, operation: dict[str, Any]
) -> None:
    client.post("/api/v1/logs/", json={"level": "INFO", "message": "m", "service": "s"})
    checked = []
    original = graph.fast.checked.execute_checked  # what graph.fast.schema calls

    async def counting(*args: Any, **kwargs: Any) -> Any:
        checked.append(1)
        return await original(*args, **kwargs)

    monkeypatch.setattr(graph.fast.schema, "execute_checked", counting)
    same_id = {"x-request-id": "one-id"}  # failed answers carry it
    unseen = {**operation, "query": f"{operation['query']}\n# {uuid.uuid4()}"}
    first, second = (client.post("/graphql", json=unseen, headers=same_id) for _ in range(2))
    assert (second.status_code, second.json()) == (first.status_code, first.json())
    runnable = operation.get("operationName") != "C" and "subscription" not in operation["query"]
    assert len(checked) == (1 if runnable else 0)  # the second run, unless Strawberry refuses
