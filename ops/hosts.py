"""Host header validation: a page on another name that resolves to this server (DNS
rebinding) is refused, over HTTP and WebSocket alike, before anything else runs. A request
with more than one Host header is refused on every path, as RFC 9112 requires: only the
first would be checked, and a proxy in front may route by another."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

# Load balancers, orchestrators and Prometheus come by IP address; the probes reveal nothing,
# and /metrics is either public anyway or needs a key no rebinding page has.
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class HostGuard:
    """Answers 400 to requests and WebSocket handshakes whose Host is not allowed."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: Sequence[str]) -> None:
        self._app = app
        self._checked = TrustedHostMiddleware(app, allowed_hosts=allowed_hosts, www_redirect=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and _host_count(scope) > 1:
            await PlainTextResponse("Invalid host header", status_code=400)(scope, receive, send)
        elif scope["type"] == "http" and scope["path"] in OPEN_PATHS:
            await self._app(scope, receive, send)
        else:
            await self._checked(scope, receive, send)


def _host_count(scope: Scope) -> int:
    return sum(1 for name, _ in scope["headers"] if name == b"host")
