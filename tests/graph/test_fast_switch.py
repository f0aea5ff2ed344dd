"""GRAPHQL_FAST_PATH: on, graph/fast/ answers; off, Strawberry on FastAPI alone, and a schema
extension the fast path would skip keeps the schema from being built at all."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from strawberry.extensions import SchemaExtension

import graph.fast.posts
import graph.fast.schema
from graph.errors import CodedSchema
from graph.extensions import schema_extensions
from graph.fast.schema import FastSchema, skipped_hooks
from graph.introspection import IntrospectionGuard
from graph.observability import Observability
from graph.schema import Query, build_schema
from internals.strawberry import StrawberryGraphQLCoreExecutionContext
from tests.conftest import FAST_PATHS


def test_the_fast_path_runs_every_hook_of_the_schemas_extensions_or_its_own_equivalent() -> None:
    assert skipped_hooks(build_schema(fast_path=True).extensions) == []


class Tracing(SchemaExtension):
    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        return _next(root, info, *args, **kwargs)


def test_an_extension_hook_the_fast_path_would_skip_stops_the_schema() -> None:
    with pytest.raises(TypeError, match=r"would skip Tracing\.resolve"):
        FastSchema(query=Query, extensions=[*schema_extensions(), Observability, Tracing])
    assert isinstance(CodedSchema(query=Query, extensions=[Tracing]), CodedSchema)


def test_switched_off_the_schema_is_strawberrys_alone() -> None:
    plain = build_schema(fast_path=False)
    assert type(plain) is CodedSchema
    # Strawberry's own execution context, but for the READ check on introspection
    assert plain.execution_context_class is IntrospectionGuard
    assert IntrospectionGuard.__bases__ == (StrawberryGraphQLCoreExecutionContext,)


class TestSwitchedOff:
    @pytest.fixture
    def fast_paths(self) -> dict[str, Any]:
        return FAST_PATHS["plain"]

    def test_nothing_of_the_fast_path_runs(
        self, client: TestClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        used: list[str] = []

        def refuse(name: str) -> Any:
            def used_anyway(*args: Any, **kwargs: Any) -> Any:
                used.append(name)
                raise AssertionError(name)

            return used_anyway

        monkeypatch.setattr(graph.fast.posts.GraphQLPosts, "answer", refuse("lane"))
        monkeypatch.setattr(graph.fast.schema, "checked_operation", refuse("checked"))
        for _ in range(2):  # the second run of a text is the one the fast path would take
            answer = client.post("/graphql", json={"query": "{ logs { id } }"})
            assert answer.json() == {"data": {"logs": []}}
        assert used == []
