"""Per-process caps on what clients may hold open."""

from __future__ import annotations

import logging
import time

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

logger = logging.getLogger("lograph.ops")

RETRY_AFTER_SECONDS = 5
LOG_EVERY_SECONDS = 60.0  # one warning a minute while connections are being refused


class WebSocketLimit:
    """At most `limit` WebSockets open in this process; beyond it the handshake is refused with
    HTTP 503 and `Retry-After`, so clients back off or try another worker."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self._app = app
        self.limit = limit
        self.open = 0
        self._last_warning = float("-inf")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self._app(scope, receive, send)
            return
        if self.open >= self.limit:
            self._warn()
            await _refuse(scope, receive, send)
            return
        self.open += 1
        try:
            await self._app(scope, receive, send)
        finally:
            self.open -= 1

    def _warn(self) -> None:
        now = time.monotonic()
        if now - self._last_warning >= LOG_EVERY_SECONDS:
            self._last_warning = now
            logger.warning(
                "refusing WebSockets: %d open, MAX_WEBSOCKETS is %d", self.open, self.limit
            )


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    """503 before the handshake; servers without denial responses get a close (HTTP 403)."""
    if "websocket.http.response" in scope.get("extensions", {}):
        response = PlainTextResponse(
            "Too many WebSocket connections; try again later",
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
        await response(scope, receive, send)
    else:
        await send({"type": "websocket.close", "code": 1013})
