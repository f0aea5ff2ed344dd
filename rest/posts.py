"""POST /api/v1/logs with a JSON body, the busiest REST write, answered after the app's own
middleware alone.

graph/fast/posts.py says why for GraphQL. For one log written here, FastAPI's layers (the
exception middleware, telemetry, three body limits, an exit stack, the routers matched in
turn, dependency solving) were most of the CPU a create spent outside the database
(bench/HISTORY.md). REST_FAST_PATH=false turns the lane off. It keeps every answer the route
gives:

- behind the app's middleware (request id, Host check, CORS; see `main.Lanes`), it reads the
  body when its length is declared and small, and parses and validates it as the route does
  (the same model; JSON read as the route's json.loads reads it, or left to the route);
- a body that passes is written by `LogPosts.answer` through the route's own dependencies and
  resolver, its errors answered by the app's exception handlers;
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
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from core import logs
from core.callers import check_access, get_caller
from core.json_text import loads
from core.lanes import JSON, declared_length, posted_media_type, read_body, replayed
from core.runtime import get_runtime
from rest.schemas import LogCreate, json_response, log_read

PATHS = ("/api/v1/logs/", "/api/v1/logs")
MAX_BYTES = 256 * 1024  # larger bodies (a log may reach about 1 MiB of JSON) take the route
ErrorHandler = Callable[[Request, Exception], Any]


class LogPosts:
    """The lane: `__call__` sorts each request and writes the log through `answer`; `route`
    is the app behind the lane, where everything else goes."""

    def __init__(self, *, route: ASGIApp) -> None:
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        length = declared_length(scope)
        if length is None or length > MAX_BYTES:
            await self.route(scope, receive, send)
            return
        try:
            body = await read_body(scope, receive, limit=MAX_BYTES)
        except ClientDisconnect:
            return  # the client left before its body arrived: nobody to answer
        replay = replayed(body, receive)
        log_create = _valid(body)
        if log_create is None:
            await self.route(scope, replay, send)
            return
        await self.answer(scope, replay, send, log_create=log_create)

    async def answer(
        self, scope: Scope, receive: Receive, send: Send, *, log_create: LogCreate
    ) -> None:
        scope["route"] = self  # for the metrics' route label, as a matched route would be
        request = Request(scope, receive)
        try:
            await check_access(request, await get_caller(request))
            created = await logs.create_log(get_runtime(request), log_input=log_create)
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
    return scope["path"] in PATHS and posted_media_type(scope) == JSON


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
