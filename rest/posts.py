"""POST /api/v1/logs with a JSON body, the busiest REST write, answered after the app's own
middleware alone.

graph/posts.py says why for GraphQL. For one log written here, FastAPI's layers (the
server-error and exception middleware, telemetry, three body limits, an exit stack, the
routers matched in turn, dependency solving) were 0.41 of the 0.58 ms of CPU a create spent
outside the database (in-process). The lane keeps every answer the route gives:

- before the app's middleware, it reads the body when its length is declared and small, and
  parses and validates it as the route does (the same model; JSON read as the route's
  json.loads reads it, or left to the route);
- a body that passes is written by `LogPosts.answer`, behind the app's middleware (request
  id, Host check, CORS), through the route's own dependencies and resolver, its errors
  answered by the app's exception handlers;
- anything else (another media type, no declared length, too long, not such JSON, not a
  `LogCreate`) goes on to FastAPI's route with the body replayed, which refuses it exactly as
  before. A request is counted against its caller's rate limit once, on whichever side.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import logs
from core.callers import check_access, get_caller
from core.json_text import loads
from core.runtime import get_runtime
from rest.schemas import LogCreate, json_response, log_read

PATHS = ("/api/v1/logs/", "/api/v1/logs")
MAX_BYTES = 256 * 1024  # larger bodies (a log may reach about 1 MiB of JSON) take the route
_BODY_KEY = "lograph.log_create"  # where the validated body waits in the scope
ErrorHandler = Callable[[Request, Exception], Any]


class LogPosts:
    """The lane: `__call__` sorts each request; `answer`, behind the app's middleware (`behind`
    wraps it), writes the log; `route` is the app without this lane."""

    def __init__(self, *, route: ASGIApp, behind: Callable[[ASGIApp], ASGIApp]) -> None:
        self.route = route
        self.endpoint = behind(self.answer)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        length = _declared_length(scope)
        if length is None or length > MAX_BYTES:
            await self.route(scope, receive, send)
            return
        body = await _read(receive)
        if body is None:
            return  # the client left before its body arrived: nobody to answer
        replay = _replayed(body, receive)
        log_create = _valid(body)
        if log_create is None:
            await self.route(scope, replay, send)
            return
        scope[_BODY_KEY] = log_create
        await self.endpoint(scope, replay, send)

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self  # for the metrics' route label, as a matched route would be
        request = Request(scope, receive)
        try:
            await check_access(request, await get_caller(request))
            created = await logs.create_log(get_runtime(request), log_input=scope[_BODY_KEY])
            response = json_response(log_read(created))
        except Exception as error:
            handler = _handler_for(request, error)
            if handler is None:
                raise  # unexpected: the request middleware answers 500
            response = handler(request, error)
            if inspect.isawaitable(response):
                response = await response
        await response(scope, receive, send)


def is_log_post(scope: Scope) -> bool:
    """A POST to the path with exactly `application/json` (parameters aside), as the route
    reads JSON; other media types the route would also take go to it."""
    if scope["method"] != "POST" or scope["path"] not in PATHS:
        return False
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bool(value.split(b";", 1)[0].strip().lower() == b"application/json")
    return False


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _read(receive: Receive) -> bytes | None:
    """The body the server frames by its declared length; None if the client disconnected."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replayed(body: bytes, receive: Receive) -> Receive:
    """`receive` with the body already read given once more, then the real messages."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _valid(body: bytes) -> LogCreate | None:
    """The body as the route would validate it, or None to let the route refuse it."""
    try:
        return LogCreate.model_validate(loads(body))
    except (json.JSONDecodeError, ValidationError):
        return None


def _handler_for(request: Request, error: Exception) -> ErrorHandler | None:
    """The app's handler for the error, as Starlette's exception middleware would pick it."""
    handlers: dict[Any, ErrorHandler] = request.app.exception_handlers
    for kind in type(error).__mro__:
        if kind in handlers:
            return handlers[kind]
    return None
