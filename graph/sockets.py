"""Keys over WebSocket: checked on `connection_init`, refused with 4401 (no, unknown or revoked
key), 4403 (a key without the read scope) or 4429 (too many sockets, rate-limited), for both
subscription protocols; an admitted socket whose key is revoked later is closed with 4403."""

from __future__ import annotations

import asyncio
from typing import Any

from graphql import GraphQLFormattedError

from core.access import (
    Forbidden,
    RateLimited,
    Scope,
    Unauthenticated,
    credential_from_headers,
    credential_from_payload,
)
from core.callers import client_address
from core.runtime import Runtime
from graph.context import Context
from internals.strawberry import BaseGraphQLTransportWSHandler, BaseGraphQLWSHandler

UNAUTHENTICATED_CLOSE = 4401
FORBIDDEN_CLOSE = 4403
TOO_MANY_CLOSE = 4429
# How often an open socket's key is checked again. A check costs a cache lookup; the cache
# learns of a revocation at once through the broker, or forgets the key after
# KEY_CACHE_SECONDS, so a revoked key's sockets close within that bound plus this.
KEY_RECHECK_SECONDS = 1.0


async def admit(context: Context, payload: Any) -> tuple[int, str] | None:
    """Authenticate the socket from its connection_init payload (or its upgrade headers);
    the close code and reason when it is refused."""
    request = context.request
    assert request is not None
    runtime = context.runtime
    try:
        credential = credential_from_payload(payload)
        if credential is None:
            credential = credential_from_headers(request.headers)
        caller = await runtime.keys.authenticate(credential, address=client_address(request))
        await runtime.limiter.check(caller)
    except Unauthenticated as refusal:
        return UNAUTHENTICATED_CLOSE, str(refusal)
    except RateLimited as refusal:
        return TOO_MANY_CLOSE, str(refusal)
    if Scope.READ not in caller.scopes:
        return FORBIDDEN_CLOSE, str(Forbidden("this API key lacks the read scope"))
    if not runtime.sockets.acquire(caller):
        return TOO_MANY_CLOSE, f"at most {runtime.sockets.limit} sockets per key or address"
    context.admit(caller, credential)
    return None


async def rate_refusal(context: Context) -> GraphQLFormattedError | None:
    """Each operation on an admitted socket counts against its caller's rate limit, as an HTTP
    request does: RATE_LIMITED for that operation, or None when it may run."""
    if context.caller is None:
        return None
    try:
        await context.runtime.limiter.check(context.caller)
    except RateLimited as refusal:
        return GraphQLFormattedError(message=str(refusal), extensions=refusal.extensions)
    return None


def release(context: Context) -> None:
    """The socket is gone: it no longer counts against its caller."""
    if context.caller is not None:
        context.runtime.sockets.release(context.caller)


async def revoked(runtime: Runtime, credential: str) -> None:
    """Return once the socket's key is revoked."""
    while True:
        await asyncio.sleep(KEY_RECHECK_SECONDS)
        try:
            if await runtime.keys.revoked(credential):
                return
        except Exception:  # the database is away (the tail reader says so): check again
            continue


class _GuardedSocket:
    """Both protocols' handlers: the socket is closed when its key is revoked, and stops
    counting against its caller when it ends."""

    context: Context
    websocket: Any
    _key_watch: asyncio.Task[None] | None = None

    async def handle(self) -> None:
        try:
            await super().handle()  # type: ignore[misc]
        finally:
            if self._key_watch is not None:
                self._key_watch.cancel()
            release(self.context)

    async def handle_connection_init(self, message: Any) -> None:
        """Admitted: the protocol's own start, then the key is watched; else `refuse`."""
        refusal = await admit(self.context, message.get("payload"))
        if refusal is not None:
            await self.refuse(*refusal)
            return
        self._watch_key()
        await super().handle_connection_init(message)  # type: ignore[misc]

    def _watch_key(self) -> None:
        """From now on, close the socket once its key is revoked."""
        credential = self.context.credential
        if credential is not None:
            closing = self._close_when_revoked(credential)
            self._key_watch = asyncio.get_running_loop().create_task(closing)

    async def _close_when_revoked(self, credential: str) -> None:
        await revoked(self.context.runtime, credential)
        await self.end_operations()
        await self.websocket.close(code=FORBIDDEN_CLOSE, reason="the API key was revoked")

    async def end_operations(self) -> None:
        raise NotImplementedError

    async def refuse(self, code: int, reason: str) -> None:
        """Close the socket as the protocol refuses a connection."""
        raise NotImplementedError


class TransportWSHandler(_GuardedSocket, BaseGraphQLTransportWSHandler[Context, None]):
    async def end_operations(self) -> None:
        await self.shutdown()

    async def refuse(self, code: int, reason: str) -> None:
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        await self.websocket.close(code=code, reason=reason[:120])


class LegacyWSHandler(_GuardedSocket, BaseGraphQLWSHandler[Context, None]):
    async def end_operations(self) -> None:
        await self.cleanup()

    async def refuse(self, code: int, reason: str) -> None:
        await self.send_message({"type": "connection_error", "payload": {"message": reason}})
        await self.websocket.close(code=code, reason=reason[:120])
