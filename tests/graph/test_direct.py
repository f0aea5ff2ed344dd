"""A cached query of one plain root field is answered without graphql-core's executor, exactly as
graphql-core answers it, and graphql-core still answers (and reports) everything else."""

from __future__ import annotations

import uuid
from typing import Any

import graphql
import pytest
from fastapi.testclient import TestClient

import core.logs
import graph.fast.checked
from db.levels import Level
from db.logs import LogRecord
from tests.access.support import ADMIN_KEY, bearer, create_key
from tests.conftest import fast_path_only  # noqa: F401  # the fast path's own tests
from tests.factories import create_logs, log_json

DIRECT = [
    {"query": "{ logs(limit: 2) { id timestamp level service message metadata } }"},
    {"query": "{ page: logs(limit: 2, order: ASC) { __typename a: id b: id level } }"},
    {"query": "query Q($n: Int) { logs(limit: $n) { id } }", "variables": {"n": 1}},
    {"query": "query($f: LogFilter) { logs(filter: $f) { id } }", "variables": {"f": {}}},
    {"query": "{ log(id: 1) { id service metadata } }"},
    {"query": "{ log(id: 999999) { id } }"},  # a nullable root field, null
    {"query": "{ stats { totalLogs byLevel { level count } byService { service count } } }"},
    {"query": "{ histogram(interval: DAY) { start count byLevel { level count } } }"},
    {"query": "query A { logs { id } } query B { log(id: 1) { id } }", "operationName": "B"},
    # Errors the resolver raises, located on the root field:
    {"query": "query($n: Int) { logs(limit: $n) { id } }", "variables": {"n": 5000}},
    {"query": '{ logs(filter: {messageMatches: "("}) { id } }'},
    {"query": "{ log(id: -4) { id } }"},
    # A filter Strawberry's conversion refuses (nested deeper than MAX_FILTER_DEPTH):
    {
        "query": "query($f: LogFilter) { logs(filter: $f) { id } }",
        "variables": {"f": {"not": {"not": {"not": {"not": {"not": {"not": {}}}}}}}},
    },
    # Every kind of argument conversion: enums, lists, nested inputs, JSON, instants
    {
        "query": """query($f: LogFilter) { logsConnection(filter: $f, first: 5, order: ASC) {
            edges { cursor node { id level } } pageInfo { hasNextPage endCursor } } }""",
        "variables": {
            "f": {
                "levels": ["INFO", "ERROR"],
                "services": ["api", "web"],
                "anyOf": [{"level": "ERROR"}, {"not": {"service": "web"}}],
                "metadata": [{"path": "a.b", "in": [1, "x", {"k": [2]}]}],
                "startTime": "2000-01-01T00:00:00+05:00",
            }
        },
    },
]
ORDINARY = [  # graphql-core runs these, and reports what is wrong with them
    {"query": "query($n: Int) { logs(limit: $n) { id } }", "variables": {"n": "x"}},
    {"query": "query($f: LogFilter) { logs(filter: $f) { id } }", "variables": {"f": {"x": 1}}},
    {"query": "query($n: Int!) { logs(limit: $n) { id } }"},
    {"query": "{ logs { id } stats { totalLogs } }"},  # two root fields
    {"query": "query($no: Boolean!) { logs { id @skip(if: $no) } }", "variables": {"no": True}},
    {"query": "{ logs { ...F } } fragment F on Log { id }"},
    {"query": "query A { logs { id } } query B { log(id: 1) { id } }"},  # the first runs
    {"query": "{ __typename }"},
]


def record_ordinary_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry for each operation graphql-core's executor runs on the checked path."""
    runs: list[int] = []
    execute = graphql.execute  # what graph.fast.checked calls

    def recording(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return execute(*args, **kwargs)

    monkeypatch.setattr(graph.fast.checked, "execute", recording)
    return runs


def first_and_second(
    client: TestClient, operation: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[Any, Any]:
    """The answers to an unseen text (Strawberry's path) and to it again (the checked path)."""
    unseen = {**operation, "query": f"{operation['query']}\n# {uuid.uuid4()}"}
    headers = {"x-request-id": "one-id", **(headers or {})}  # failed answers carry it
    first, second = (client.post("/graphql", json=unseen, headers=headers) for _ in range(2))
    return (first.status_code, first.json()), (second.status_code, second.json())


@pytest.mark.parametrize("operation", DIRECT, ids=range(len(DIRECT)))
def test_a_plain_root_field_is_answered_directly_as_graphql_core_answers_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, operation: dict[str, Any]
) -> None:
    create_logs(client, log_json(service="api"), log_json(level="ERROR"))
    runs = record_ordinary_runs(monkeypatch)
    first, second = first_and_second(client, operation)
    assert second == first
    assert runs == []


@pytest.mark.parametrize("operation", ORDINARY, ids=range(len(ORDINARY)))
def test_anything_else_is_run_and_reported_by_graphql_core(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, operation: dict[str, Any]
) -> None:
    create_logs(client, log_json())
    runs = record_ordinary_runs(monkeypatch)
    first, second = first_and_second(client, operation)
    assert second == first
    assert runs == [1]


def test_a_value_the_plan_cannot_answer_is_reported_by_graphql_core(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = LogRecord(None, None, Level.INFO, "s", "m", None)  # type: ignore[arg-type]

    async def broken_page(*_args: Any, **_kwargs: Any) -> list[LogRecord]:
        return [broken]

    monkeypatch.setattr(core.logs, "find_logs", broken_page)
    runs = record_ordinary_runs(monkeypatch)
    first, second = first_and_second(client, {"query": "{ logs { id level } }"})
    assert second == first
    assert first[1]["data"] is None
    assert first[1]["errors"][0]["path"] == ["logs", 0, "id"]  # a null in a non-null field
    assert runs == [1]


CREATE = """mutation($input: LogInput!) {
  createLog(input: $input) { id timestamp level service message metadata }
}"""
CREATE_INPUTS = [
    {
        "level": "WARN",
        "service": "api",
        "message": "m",
        "timestamp": "2025-10-09T12:00:00+02:00",
        "metadata": {"a": [1, {"b": None}], "s": "x"},
    },
    {"level": "INFO", "service": "", "message": "m", "timestamp": "2025-10-09T12:00:00Z"},
    {"level": "INFO", "service": "api", "message": "m", "timestamp": "2025-10-09T12:00:00Z"},
]


def stored_ids(client: TestClient) -> list[str]:
    answer = client.post("/graphql", json={"query": "{ logs(limit: 100) { id } }"}).json()
    return [log["id"] for log in answer["data"]["logs"]]


@pytest.mark.parametrize("log_input", CREATE_INPUTS, ids=range(len(CREATE_INPUTS)))
def test_a_mutation_of_one_plain_field_is_answered_directly_and_runs_once(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, log_input: dict[str, Any]
) -> None:
    runs = record_ordinary_runs(monkeypatch)
    first, second = first_and_second(client, {"query": CREATE, "variables": {"input": log_input}})
    written = stored_ids(client)
    for _status, answer in (first, second):
        created = (answer.get("data") or {}).get("createLog")
        if created is not None:
            assert created.pop("id") in written
    assert second == first
    assert runs == []
    assert len(written) == (2 if first[1]["data"] else 0)


def test_a_mutation_value_the_plan_cannot_answer_is_completed_without_running_it_again(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    async def broken_create(*_args: Any, **_kwargs: Any) -> LogRecord:
        calls.append(1)
        return LogRecord(None, None, Level.INFO, "s", "m", None)  # type: ignore[arg-type]

    monkeypatch.setattr(core.logs, "create_log", broken_create)
    runs = record_ordinary_runs(monkeypatch)
    operation = {"query": CREATE, "variables": {"input": CREATE_INPUTS[0]}}
    first, second = first_and_second(client, operation)
    assert second == first
    assert first[1]["data"] is None
    assert first[1]["errors"][0]["path"] == ["createLog", "id"]  # a null in a non-null field
    assert runs == [1]  # graphql-core completed the value the direct path resolved
    assert calls == [1, 1]  # one call per request: the second was not resolved twice


class TestWithKeysRequired:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"enable_alerts": False, "auth_required": True, "admin_api_key": ADMIN_KEY}

    @pytest.mark.parametrize("scopes", [(), ("INGEST",), ("READ",)])
    def test_scopes_are_checked_as_on_graphql_cores_path(
        self, client: TestClient, monkeypatch: pytest.MonkeyPatch, scopes: tuple[str, ...]
    ) -> None:
        headers = bearer(create_key(client, "k", *scopes)) if scopes else {}
        runs = record_ordinary_runs(monkeypatch)
        first, second = first_and_second(client, {"query": "{ logs { id } }"}, headers)
        assert second == first
        assert ("errors" in first[1]) == ("READ" not in scopes)
        assert runs == []  # Strawberry's permission check refuses on the direct path too
