"""Scopes on GraphQL fields. Every root field names the scope it needs (a test keeps it so), and
Strawberry checks it where the field runs: a mutation hidden in a multi-operation document, an
alias or a batched request is checked like any other, and a refused field returns no data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from core.access import Caller, Scope, TooMany, Unauthenticated, require


def caller_of(info: Info[Any, Any]) -> Caller:
    """The caller of this operation, or the refusal the request earned."""
    return caller_in(info.context)


def caller_in(context: Any) -> Caller:
    """The caller a request's context speaks for, or the refusal the request earned."""
    if context.refusal is not None:
        raise context.refusal
    if context.caller is None:
        raise Unauthenticated("an API key is required")
    caller: Caller = context.caller
    return caller


class _NeedsScope(BasePermission):
    scope: Scope

    def has_permission(self, source: Any, info: Info[Any, Any], **kwargs: Any) -> bool:
        require(caller_of(info), self.scope)  # raises with the code clients switch on
        return True


class CanRead(_NeedsScope):
    scope = Scope.READ


class CanIngest(_NeedsScope):
    scope = Scope.INGEST


class CanAdminister(_NeedsScope):
    scope = Scope.ADMIN


READ: list[type[BasePermission]] = [CanRead]
INGEST: list[type[BasePermission]] = [CanIngest]
ADMIN: list[type[BasePermission]] = [CanAdminister]


@asynccontextmanager
async def subscription_slot(info: Info[Any, Any]) -> AsyncIterator[None]:
    """Hold one of the caller's subscriptions while the stream lives."""
    caller = caller_of(info)
    subscriptions = info.context.runtime.subscriptions
    if not subscriptions.acquire(caller):
        raise TooMany(f"at most {subscriptions.limit} subscriptions per key or address")
    try:
        yield
    finally:
        subscriptions.release(caller)
