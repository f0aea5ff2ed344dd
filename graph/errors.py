"""GraphQL errors: each carries the code clients switch on, and none leaks internals."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError
from strawberry.types import ExecutionContext

from core.errors import ResolverError
from core.outage_log import database_outage
from db.engine import DatabaseUnavailable
from graph.error_fields import add_input_field

logger = logging.getLogger("lograph.graphql")


def assign_code(error: GraphQLError) -> None:
    """Give the error its code; hide unexpected ones behind a bare message and log them."""
    original = error.original_error
    if isinstance(original, ResolverError) or "code" in (error.extensions or {}):
        return
    if _refused_pattern(original):
        # The up-front check (db.text) keeps these rare; PostgreSQL has the last word.
        error.message = "messageMatches: PostgreSQL cannot run this regular expression"
        error.original_error = None
        error.extensions = {"code": "BAD_USER_INPUT", "field": "messageMatches"}
        return
    if error.path is None:
        # Parse, validation and variable errors: the client's document or variables.
        code = "BAD_USER_INPUT"
    elif isinstance(original, DatabaseUnavailable):
        database_outage.error("database unavailable at %s: %s", error.path, original)
        code, error.message = "SERVICE_UNAVAILABLE", "Service unavailable"
    else:
        logger.error("unexpected error at %s", error.path, exc_info=original)
        code, error.message = "INTERNAL", "Internal server error"
    error.original_error = None
    error.extensions = {**(error.extensions or {}), "code": code}


def _refused_pattern(error: BaseException | None) -> bool:
    """PostgreSQL's invalid_regular_expression, or a pattern over its complexity limit."""
    return isinstance(error, DBAPIError) and getattr(error.orig, "pgcode", None) in _PATTERN_CODES


_PATTERN_CODES = {"2201B", "54001"}


class CodedSchema(strawberry.Schema):
    """A schema whose every error carries `extensions.code` and leaks no internals."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry calls this once for every error list, before the response is built.
        document = execution_context.graphql_document if execution_context else None
        for error in errors:
            add_input_field(error, document)
            assign_code(error)
