"""Schema extensions: limits that refuse amplification, and the parse/validation cache."""

from __future__ import annotations

from collections.abc import Callable

from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension

from graph.caches import QueryCacheExtension
from graph.cost import OperationCostRule

MAX_TOKENS = 10_000


def schema_extensions() -> list[Callable[[], SchemaExtension]]:
    """Factories for per-request extensions; the cache behind them is shared."""
    return [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules([OperationCostRule]),
        QueryCacheExtension,
    ]
