"""Keys over WebSocket: checked on `connection_init`, refused with 4401 (no, unknown or revoked
key) or 4403 (a key without the read scope), for both subscription protocols."""

from __future__ import annotations

from typing import Any

from core.access import (
    Forbidden,
    RateLimited,
    Scope,
    Unauthenticated,
    credential_from_headers,
    credential_from_payload,
)
from core.callers import client_address
from graph.context import Context
from internals.strawberry import BaseGraphQLTransportWSHandler, BaseGraphQLWSHandler

UNAUTHENTICATED_CLOSE = 4401
FORBIDDEN_CLOSE = 4403
TOO_MANY_CLOSE = 4429


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
        return FORBIDDEN_CLOSE, str(refusal)
    if Scope.READ not in caller.scopes:
        return FORBIDDEN_CLOSE, str(Forbidden("this API key lacks the read scope"))
    if not runtime.sockets.acquire(caller):
        return TOO_MANY_CLOSE, f"at most {runtime.sockets.limit} sockets per key or address"
    context.admit(caller)
    return None


def release(context: Context) -> None:
    """The socket is gone: it no longer counts against its caller."""
    if context.caller is not None:
        context.runtime.sockets.release(context.caller)


class _ReleasesItsSocket:
    """Both protocols' handlers: the socket stops counting against its caller when it ends."""

    context: Context

    async def handle(self) -> None:
        try:
            await super().handle()  # type: ignore[misc]
        finally:
            release(self.context)


class TransportWSHandler(_ReleasesItsSocket, BaseGraphQLTransportWSHandler[Context, None]):
    async def handle_connection_init(self, message: Any) -> None:
        refusal = await admit(self.context, message.get("payload"))
        if refusal is None:
            await super().handle_connection_init(message)
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        await self.websocket.close(code=refusal[0], reason=refusal[1][:120])


class LegacyWSHandler(_ReleasesItsSocket, BaseGraphQLWSHandler[Context, None]):
    async def handle_connection_init(self, message: Any) -> None:
        refusal = await admit(self.context, message.get("payload"))
        if refusal is None:
            await super().handle_connection_init(message)
            return
        await self.send_message({"type": "connection_error", "payload": {"message": refusal[1]}})
        await self.websocket.close(code=refusal[0], reason=refusal[1][:120])
