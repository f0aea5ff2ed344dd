"""Plain leaf objects completed in one step answer exactly as graphql-core's own path does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import strawberry
from fastapi.testclient import TestClient
from graphql import GraphQLError, GraphQLInt

from core.access import EVERY_SCOPE, Caller
from graph.context import Context
from graph.fast.plans import _serializer
from graph.scalars import DateTimeScalar
from graph.schema import Mutation, Query, schema
from graph.subscriptions import Subscription
from tests.conftest import fast_path_only  # noqa: F401  # the fast path's own tests
from tests.factories import create_logs, log_json
from tests.patterns.support import catch_up
from tests.plan_answers import recorded_answers

ORDINARY = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    scalar_overrides={datetime: DateTimeScalar},
)
DOCUMENTS = [
    "{ logs { id timestamp level service message metadata } }",
    "{ logs(order: ASC) { __typename a: id b: id level ...F } } fragment F on Log { message }",
    "query($no: Boolean!) { logs { id message @skip(if: $no) service @include(if: $no) } }",
    "{ logs(limit: 2) { id } log(id: 1) { id level metadata } stats { totalLogs } }",
    "{ alertRules { name level threshold } }",
    "{ alertRules { name filter condition ratio baseFilter minBaseCount lifecycle forSeconds } }",
    "{ alertRules { name groupBy } }",
    "{ alerts(state: FIRING) { id state startsAt endsAt fingerprint labels } }",
    "{ stats { byLevel { level count } byService { __typename count service } } }",
    "{ logsConnection(first: 2) { nodes { id level } edges { cursor node { level id } } } }",
    "{ a: logs { id: level level: id message } b: logs { id level } }",
    # Bounded ranges: a histogram without endTime runs until now, and grows with the date.
    (
        '{ histogram(interval: HOUR, filter: {endTime: "2025-10-10T00:00:00Z"}) '
        "{ start count byLevel { level count __typename } } }"
    ),
    (
        '{ histogram(interval: DAY, filter: {endTime: "2025-10-31T00:00:00Z"}) '
        "{ start byLevel { ...C } } } fragment C on LevelCount { count }"
    ),
    "{ logs { id pattern { id service template count firstSeen lastSeen } } }",
    (
        '{ patterns(filter: {endTime: "2025-10-31T00:00:00Z"}) { id template count '
        "byLevel { level count } sample { id message pattern { id } } "
        "histogram(interval: DAY) { start count } } }"
    ),
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_fast_completion_answers_as_the_ordinary_path(client: TestClient, document: str) -> None:
    create_logs(
        client,
        log_json(level="ERROR", metadata_={"nested": {"n": [1, 2.5, None, "x"]}}),
        log_json(level="WARN", metadata_=None, message="no metadata"),
    )
    catch_up(client)  # the logs get their patterns
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def both() -> tuple[Any, Any]:
        def context() -> Context:
            return Context(runtime, caller=Caller(None, EVERY_SCOPE, None, "t"), refusal=None)

        variables = {"no": True}
        fast = await schema.execute(document, variables, context_value=context())
        ordinary = await ORDINARY.execute(document, variables, context_value=context())
        return fast, ordinary

    fast, ordinary = client.portal.call(both)  # type: ignore[union-attr]
    assert fast.errors is None, fast.errors
    assert ordinary.errors is None, ordinary.errors
    assert fast.data == ordinary.data


def test_a_page_of_logs_takes_the_one_step_path(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_logs(client, log_json(), log_json())
    completed = recorded_answers(monkeypatch, "Log")
    body = client.post("/graphql", json={"query": DOCUMENTS[0]}).json()
    assert len(body["data"]["logs"]) == 2
    assert len(completed) == 2
    assert all(item is not None for item in completed)


def test_ints_outside_32_bits_are_left_for_graphql_core_to_report() -> None:
    serialize = _serializer(GraphQLInt)
    assert serialize(7) == 7
    assert serialize(True) == 1  # graphql-core's own answer for a bool
    for beyond in (2**31, -(2**31) - 1):
        with pytest.raises(GraphQLError):
            serialize(beyond)
