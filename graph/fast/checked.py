"""Operations whose text was parsed and validated before go straight to graphql-core.

For such a text Strawberry's per-request machinery has nothing left to do: every schema
extension of ours works before execution (the token limit and the cost rule while parsing and
validating, the cache itself) or after it (the operation count, the request id on failures), and
none wraps a resolver. Building the extension runners and execution context for each request
cost more CPU than the resolvers of a page of logs. So a text found in the cache, valid, with an
operation of an allowed type, is executed by graphql-core with the same arguments Strawberry
passes, and its errors are coded and counted as the extensions would; everything else (new
texts, invalid ones, refusals) takes Strawberry's path, which reports them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, NamedTuple

from graphql import DocumentNode, GraphQLError, GraphQLSchema, execute
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from graph.caches import queries
from graph.fast.direct import DirectField, Resolved, direct_field, execute_direct
from graph.fast.execution import FastLeafExecutionContext
from graph.observability import answer_extensions, count_operation
from internals.strawberry import (
    await_maybe,
    get_first_operation,
    get_operation_type,
    optimized_is_awaitable,
)

CodeErrors = Callable[[list[GraphQLError], DocumentNode], None]


class CheckedOperation(NamedTuple):
    """A cached, valid document, the type of the operation it will run, and that operation's
    one root field where graph/fast/direct.py can run it."""

    document: DocumentNode
    kind: OperationType
    direct: DirectField | None


def checked_operation(
    schema: GraphQLSchema,
    query: str | None,
    operation_name: str | None,
    allowed: Collection[OperationType],
) -> CheckedOperation | None:
    """The cached document of a valid text whose operation may run here; None otherwise."""
    entry = queries.get(query) if query else None
    if entry is None or entry.errors != []:
        return None
    try:
        kind = get_operation_type(entry.document, operation_name)
    except RuntimeError:  # no such operation: Strawberry's path says so
        return None
    if kind not in allowed:
        return None
    direct = direct_field(schema, entry.document, operation_name)
    return CheckedOperation(entry.document, kind, direct)


async def execute_checked(
    schema: GraphQLSchema,
    checked: CheckedOperation,
    *,
    variable_values: dict[str, Any] | None,
    context_value: Any,
    root_value: Any,
    operation_name: str | None,
    operation_extensions: dict[str, Any] | None,
    code_errors: CodeErrors,
) -> ExecutionResult:
    """The answer Strawberry's execute would give, with its errors coded and the operation
    counted: the two things our extensions add to an execution."""
    document = checked.document
    if operation_name is None:  # Strawberry runs the first operation, named or not
        first = get_first_operation(document)
        operation_name = first.name.value if first and first.name else None
    direct = checked.direct
    result: ExecutionResult | GraphQLExecutionResult | Resolved | None = None
    if direct is not None:
        result = await execute_direct(
            schema,
            direct,
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_extensions=operation_extensions,
        )
    if result is None or isinstance(result, Resolved):
        ordinary: GraphQLExecutionResult = await await_maybe(
            execute(
                schema,
                document,
                root_value=root_value,
                variable_values=variable_values,
                operation_name=operation_name,
                context_value=context_value,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]  # as Strawberry passes it
                executor_class=FastLeafExecutionContext,
                operation_extensions=operation_extensions,
                middleware=None if result is None else [result],
            )
        )
        result = ordinary
    errors = result.errors
    if errors:
        code_errors(errors, document)
    failed = bool(errors)
    count_operation(checked.kind.value, failed=failed)
    return ExecutionResult(
        data=result.data, errors=errors, extensions=answer_extensions(failed=failed)
    )
