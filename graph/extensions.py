"""Schema extensions: limits that refuse amplification, and parse/validation caches."""

from __future__ import annotations

from collections.abc import Callable

from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

# Deep enough for the full introspection query (its TypeRef nests ofType nine times).
MAX_DEPTH = 15
MAX_ALIASES = 30
MAX_TOKENS = 10_000
CACHE_SIZE = 512


# Built once: the validation cache is keyed by rule classes, and each limiter makes new ones.
_LIMIT_RULES = [
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
]


def schema_extensions() -> list[Callable[[], SchemaExtension]]:
    """Factories for per-request extensions; the caches behind them are shared."""
    return [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules(_LIMIT_RULES),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
    ]
