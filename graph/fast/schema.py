"""The schema's execute, with cached valid operations run by graph/fast/checked.py.

That path runs no Strawberry extension hook per request: each hook of the schema's extensions
must be one it accounts for (`ACCOUNTED`): set-up of parsing and validation, whose outcome the
cache holds, or work it does itself. `skipped_hooks` names any extension hook it would
skip; the schema refuses to be built with one, so a new extension cannot be silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from graph.caches import QueryCacheExtension
from graph.errors import CodedSchema, Operation, code_errors
from graph.fast.checked import checked_operation, execute_checked
from graph.observability import Observability
from internals.strawberry import graphql_core_schema

# The hooks Strawberry runs per request, none of which graph/fast/checked.py calls.
HOOKS = ("on_operation", "on_parse", "on_validate", "on_execute", "resolve", "get_results")
# The hooks that need not run on that path, and why: the token limit and the validation rules
# only set up parsing and validation, and the cache's hooks fetch their outcome, which that
# path reads from the cache itself; it does what Observability's do (the operation count, the
# request id of a failed answer).
ACCOUNTED: dict[type[SchemaExtension], set[str]] = {
    QueryCacheExtension: {"on_parse", "on_validate"},
    MaxTokensLimiter: {"on_operation"},
    AddValidationRules: {"on_operation"},
    Observability: {"on_operation", "get_results"},
}
Extension = type[SchemaExtension] | SchemaExtension | Callable[[], SchemaExtension]


def skipped_hooks(extensions: Sequence[Extension]) -> list[str]:
    """Each `Extension.hook` the fast path would not run, of the schema's extensions."""
    skipped = []
    for extension in extensions:
        kind = _kind(extension)
        for hook in HOOKS:
            overridden = getattr(kind, hook) is not getattr(SchemaExtension, hook)
            if overridden and hook not in ACCOUNTED.get(kind, set()):
                skipped.append(f"{kind.__name__}.{hook}")
    return skipped


def _kind(extension: Extension) -> type[SchemaExtension]:
    if isinstance(extension, type):
        return extension
    if isinstance(extension, SchemaExtension):
        return type(extension)
    return type(extension())  # a factory, as graph/extensions.py hands them


class FastSchema(CodedSchema):
    """CodedSchema, whose cached valid operations skip Strawberry's per-request machinery."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        skipped = skipped_hooks(self.extensions)
        if skipped:
            raise TypeError(f"graph/fast/checked.py would skip {', '.join(skipped)}")

    async def execute_allowed(
        self, operation: Operation, allowed: set[OperationType]
    ) -> ExecutionResult:
        graph_schema = graphql_core_schema(self)
        checked = checked_operation(
            graph_schema, operation.query, operation.operation_name, allowed
        )
        if checked is None:
            return await super().execute_allowed(operation, allowed)
        return await execute_checked(
            graph_schema,
            checked,
            variable_values=operation.variable_values,
            context_value=operation.context_value,
            root_value=operation.root_value,
            operation_name=operation.operation_name,
            operation_extensions=operation.operation_extensions,
            code_errors=code_errors,
        )
