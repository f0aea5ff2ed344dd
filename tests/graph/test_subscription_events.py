"""Subscription events answered from a plan give what graphql-core's own path gives: the same
data for good events, the same errors (message, path, code) for bad ones."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

import graph.subscriptions
from core.access import EVERY_SCOPE, Caller
from core.tail_cursor import TailEdge
from db.levels import Level
from db.logs import LogRecord
from graph.context import Context
from graph.errors import CodedSchema
from graph.scalars import DateTimeScalar
from graph.schema import Mutation, Query, schema
from graph.subscriptions import Subscription
from tests.conftest import fast_path_only  # noqa: F401  # the fast path's own tests

# The same schema and error handling, without the one-step execution.
ORDINARY = CodedSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    scalar_overrides={datetime: DateTimeScalar},
)
GOOD = LogRecord(
    7, datetime(2025, 10, 9, 12, 30, tzinfo=UTC), Level.ERROR, "api", "boom", {"n": [1, None]}
)
EVENTS: list[Any] = [
    TailEdge("c1", GOOD),
    TailEdge("c2", replace(GOOD, id=8, metadata=None, level=Level.DEBUG)),
    TailEdge("c3", replace(GOOD, message=None)),  # type: ignore[arg-type]  # a non-null null
    TailEdge("c4", replace(GOOD, level="LOUD")),  # type: ignore[arg-type]  # not a LogLevel
    TailEdge(None, GOOD),  # type: ignore[arg-type]
    None,
    TailEdge("c5", GOOD),
]
DOCUMENTS = [
    "subscription { logs { cursor node { id timestamp level service message metadata } } }",
    "subscription { l: logs { __typename c: cursor node { ...F a: id } } } "
    "fragment F on Log { level message }",
    "subscription($no: Boolean!) { logs { cursor @skip(if: $no) node { id level @include(if: $no) "
    "message } } }",
    "subscription { logs { node { level } cursor node { service } } }",
]


async def _events(*_args: Any, **_kwargs: Any) -> AsyncGenerator[Any, None]:
    for event in EVENTS:
        yield event


async def _answers(on: CodedSchema, document: str, client: TestClient) -> list[Any]:
    context = Context(client.app.state.runtime, caller=None, refusal=None)  # type: ignore[attr-defined]
    context.admit(Caller(None, EVERY_SCOPE, None, "t"))
    stream = await on.subscribe(document, {"no": True}, context_value=context)
    answers = []
    async for result in stream:
        errors = [(e.message, e.path, e.extensions) for e in result.errors or []]
        answers.append((result.data, errors))
    return answers


@pytest.mark.parametrize("document", DOCUMENTS)
def test_plain_events_answer_as_the_ordinary_path(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, document: str
) -> None:
    monkeypatch.setattr(graph.subscriptions, "tail_logs", _events)
    portal = client.portal
    assert portal is not None
    fast = portal.call(_answers, schema, document, client)
    ordinary = portal.call(_answers, ORDINARY, document, client)
    assert fast == ordinary
    assert len(fast) == len(EVENTS)
    (data, [(message, _path, extensions)]) = fast[-2]  # the None event: a non-null field's null
    assert (data, message, extensions) == (None, "Internal server error", {"code": "INTERNAL"})
    (data, errors) = fast[-1]  # the stream goes on after errors
    assert data is not None
    assert errors == []
