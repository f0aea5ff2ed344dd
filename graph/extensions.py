"""Schema extensions: error codes and masking, plus limits that refuse amplification."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from graphql import GraphQLError
from sqlalchemy.exc import OperationalError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.query_depth_limiter import IgnoreContext

from graph.errors import ResolverError

logger = logging.getLogger("lograph.graphql")

MAX_DEPTH = 8
MAX_ALIASES = 30
MAX_TOKENS = 10_000
CACHE_SIZE = 512


class ErrorCodes(SchemaExtension):
    """Give every error a code; replace unexpected ones with a bare message and log them."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [_with_code(error) for error in result.errors]


def _with_code(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, ResolverError):
        return error
    if error.path is None:
        # Parse, validation and variable errors: the client's document or variables.
        return _copy(error, error.message, "BAD_USER_INPUT")
    if isinstance(original, OperationalError):
        logger.error("database unavailable at %s: %s", error.path, original.orig)
        return _copy(error, "Service unavailable", "SERVICE_UNAVAILABLE")
    logger.error("unexpected error at %s", error.path, exc_info=original)
    return _copy(error, "Internal server error", "INTERNAL")


def _copy(error: GraphQLError, message: str, code: str) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(error.extensions or {}), "code": code},
    )


def _is_introspection(context: IgnoreContext) -> bool:
    return context.field_name.startswith("__")


# Built once: the validation cache is keyed by rule classes, and each limiter makes new ones.
_LIMIT_RULES = [
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    *QueryDepthLimiter(max_depth=MAX_DEPTH, should_ignore=_is_introspection).validation_rules,
]


def schema_extensions() -> list[Callable[[], SchemaExtension]]:
    """Factories for per-request extensions; the caches behind them are shared."""
    return [
        ErrorCodes,
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules(_LIMIT_RULES),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
    ]
