"""Every HTTP request: an id (X-Request-ID echoed or made), a metrics sample and an access line.

A plain ASGI middleware: Starlette's BaseHTTPMiddleware would cost a task per request.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.metrics import http_samples
from core.request_id import current_request_id

access = logging.getLogger("lograph.access")
logger = logging.getLogger("lograph.http")

HEADER = b"x-request-id"
# A client's id is echoed only if it is short and plain; anything else gets a fresh one.
_VALID_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


# A fresh id is this process's random prefix and a count: unique across processes and hosts
# as a random one would be, without a getrandom call per request (bench/HISTORY.md says what
# uuid4 cost).
_PROCESS = os.urandom(8).hex()
_count = itertools.count(1)


def _new_process() -> None:
    global _PROCESS  # a forked worker (gunicorn --preload) must not repeat its parent's ids
    _PROCESS = os.urandom(8).hex()


os.register_at_fork(after_in_child=_new_process)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == HEADER and _VALID_ID.fullmatch(value):
            return str(value.decode())
    return f"{_PROCESS}{next(_count):016x}"


def _route(scope: Scope) -> str:
    """The path with its parameters named (`/api/v1/logs/{log_id}`): labels stay few.

    FastAPI's matched route knows only its path within its own router, so the template is
    rebuilt from the request path and the parameters the route matched. FastAPI's router names
    no `route` for a plain Starlette route (its own /openapi.json); the endpoint it matched
    shows that one was.
    """
    if scope.get("route") is None and scope.get("endpoint") is None:
        return "unmatched"
    path: str = scope["path"]
    params: dict[str, Any] = scope.get("path_params") or {}
    for name, value in params.items():
        head, found, tail = path.rpartition(f"/{value}")
        if found:
            path = f"{head}/{{{name}}}{tail}"
    return path


async def _internal_error(send: Send, request_id: str) -> None:
    body = orjson.dumps({"detail": "Internal server error", "requestId": request_id})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestMiddleware:
    def __init__(self, app: ASGIApp, *, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = current_request_id.set(request_id)
        if scope["type"] == "websocket":
            try:
                await self.app(scope, receive, send)
            finally:
                current_request_id.reset(token)
            return
        status = 0
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Here rather than in an exception handler: Starlette runs those outside every
            # middleware, where the request id is gone. Nothing of the error reaches the client.
            logger.exception("unexpected error")
            if status:
                raise  # the answer had begun: all we can do is break the connection
            status = 500
            await _internal_error(send_with_id, request_id)
        finally:
            elapsed = time.perf_counter() - started
            route, method = _route(scope), scope["method"]
            requests, latency = http_samples(route, method, status)
            requests.inc()
            latency.observe(elapsed)
            if self.access_log and access.isEnabledFor(logging.INFO):
                fields = {
                    "method": method,
                    "path": scope["path"],
                    "status": status,
                    "durationMs": round(elapsed * 1000, 2),
                }
                access.info(
                    "%s %s %d %.1f ms",
                    method,
                    scope["path"],
                    status,
                    elapsed * 1000,
                    extra={"access": fields},
                )
            current_request_id.reset(token)
