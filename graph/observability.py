"""GraphQL operations counted by type and outcome; answers with errors carry the request id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from core.metrics import graphql_operations
from core.request_id import current_request_id


def count_operation(kind: str, *, failed: bool) -> None:
    graphql_operations(kind, "error" if failed else "ok").inc()


def answer_extensions(*, failed: bool) -> dict[str, Any]:
    """A failed answer names the request, so that a report can be matched with the server's log."""
    request_id = current_request_id.get()
    return {"requestId": request_id} if failed and request_id else {}


class Observability(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        kind = context.operation_type.value if context.operation_type else "unknown"
        count_operation(kind, failed=context.result is None or bool(context.result.errors))

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context
        return answer_extensions(failed=bool(context.result and context.result.errors))
