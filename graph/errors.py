"""GraphQL errors: each carries the code clients switch on, and none leaks internals."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, NamedTuple

import strawberry
from graphql import DocumentNode, GraphQLError
from sqlalchemy.exc import DBAPIError
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from core.errors import ResolverError
from core.outage_log import database_outage
from db.engine import DatabaseUnavailable
from graph.error_fields import add_input_field

logger = logging.getLogger("lograph.graphql")

# Messages quote the client's input (names, values, tokens); a longer one is cut here.
MAX_MESSAGE_LENGTH = 300


def bounded(message: str) -> str:
    """The message, cut to MAX_MESSAGE_LENGTH characters: never a copy of a huge input."""
    if len(message) <= MAX_MESSAGE_LENGTH:
        return message
    return message[:MAX_MESSAGE_LENGTH] + "… (truncated)"


def assign_code(error: GraphQLError) -> None:
    """Give the error its code and a bounded message; hide unexpected ones and log them."""
    error.message = bounded(error.message)
    original = error.original_error
    if isinstance(original, ResolverError) or "code" in (error.extensions or {}):
        return
    if _refused_pattern(original):
        # The up-front check (db.text) keeps these rare; PostgreSQL has the last word.
        error.message = "messageMatches: PostgreSQL cannot run this regular expression"
        error.original_error = None
        error.extensions = {"code": "BAD_USER_INPUT", "field": "messageMatches"}
        return
    if isinstance(original, DatabaseUnavailable):
        # Also where no field is at fault: a subscription's stream failing as it starts.
        database_outage.error("database unavailable at %s: %s", error.path, original)
        code, error.message = "SERVICE_UNAVAILABLE", "Service unavailable"
    elif error.path is None:
        # Parse, validation and variable errors: the client's document or variables.
        code = "BAD_USER_INPUT"
    else:
        logger.error("unexpected error at %s", error.path, exc_info=original)
        code, error.message = "INTERNAL", "Internal server error"
    error.original_error = None
    error.extensions = {**(error.extensions or {}), "code": code}


def _refused_pattern(error: BaseException | None) -> bool:
    """PostgreSQL's invalid_regular_expression, or a pattern over its complexity limit."""
    return isinstance(error, DBAPIError) and getattr(error.orig, "pgcode", None) in _PATTERN_CODES


_PATTERN_CODES = {"2201B", "54001"}


class Operation(NamedTuple):
    """What Strawberry's execute is handed for one operation, besides the types it may run."""

    query: str | None
    variable_values: dict[str, Any] | None
    context_value: Any
    root_value: Any
    operation_name: str | None
    operation_extensions: dict[str, Any] | None


class CodedSchema(strawberry.Schema):
    """A schema whose every error carries `extensions.code` and leaks no internals, and that
    never runs a subscription as if it were a query."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry calls this once for every error list, before the response is built.
        code_errors(errors, execution_context.graphql_document if execution_context else None)

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        operation = Operation(
            query, variable_values, context_value, root_value, operation_name, operation_extensions
        )
        return await self.execute_allowed(operation, executable_types(allowed_operation_types))

    async def execute_allowed(
        self, operation: Operation, allowed: set[OperationType]
    ) -> ExecutionResult:
        """Strawberry's execute, refusing what is not `allowed` (graph/fast/ goes around it)."""
        return await super().execute(
            operation.query,
            operation.variable_values,
            operation.context_value,
            operation.root_value,
            operation.operation_name,
            allowed,
            operation.operation_extensions,
        )


def executable_types(allowed: Iterable[OperationType] | None) -> set[OperationType]:
    """What execute() may run: it has no stream to send events to, so a subscription sent over
    HTTP is refused (HTTP 400) instead of failing as a null field. WebSockets subscribe through
    stream()."""
    types = set(allowed or (OperationType.QUERY, OperationType.MUTATION))
    types.discard(OperationType.SUBSCRIPTION)
    return types


def code_errors(errors: list[GraphQLError], document: DocumentNode | None) -> None:
    """Every error names the input field at fault where it can, and carries its code."""
    for error in errors:
        add_input_field(error, document)
        assign_code(error)
