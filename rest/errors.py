"""Resolver errors as the legacy clients expect them: FastAPI's status codes and shapes."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from core.access import Forbidden, RateLimited, Unauthenticated
from core.errors import NotFoundError, TooLargeError, UserInputError
from core.outage_log import database_outage, slow_queries
from core.request_id import current_request_id
from db.engine import DatabaseUnavailable, QueryTimeout

logger = logging.getLogger("lograph.rest")


def error_response(
    detail: object, status_code: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An error in the legacy shape, plus the request id to quote when reporting it."""
    body = {"detail": detail, "requestId": current_request_id.get()}
    return JSONResponse(body, status_code=status_code, headers=headers)


# Resolver fields carry GraphQL names; legacy clients know the snake_case ones.
_REST_NAMES = {"startTime": "start_time", "endTime": "end_time", "metadata": "metadata_"}
MAX_MESSAGE_LENGTH = 300  # characters of a validation message
MAX_LOCATION_PART = 100
_METHODS = (
    "DELETE",
    "GET",
    "PATCH",
    "POST",
    "PUT",
)  # what a 405's `Allow` may name  # characters of each part of an error's location


async def _user_input(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UserInputError)
    if isinstance(exc, TooLargeError):
        return error_response(str(exc), 413)
    field = _REST_NAMES.get(exc.field, exc.field)
    where = "query" if request.method in ("GET", "DELETE") else "body"
    loc: list[str | int] = [where, field] if exc.index is None else [where, exc.index, field]
    error = {"loc": loc, "msg": exc.reason, "type": "value_error"}
    return error_response([error], 422)


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 shape without its `input` and `ctx`: the answer never echoes the request."""
    assert isinstance(exc, RequestValidationError)
    return error_response([_bounded(error) for error in exc.errors()], 422)


def _bounded(error: dict[str, Any]) -> dict[str, Any]:
    return {
        "loc": [_cut(part, MAX_LOCATION_PART) for part in error.get("loc", ())],
        "msg": _cut(str(error.get("msg", "")), MAX_MESSAGE_LENGTH),
        "type": str(error.get("type", "value_error")),
    }


def _cut(part: Any, limit: int) -> Any:
    if isinstance(part, str) and len(part) > limit:
        return part[:limit] + "…"
    return part


async def _unparsable_body(_request: Request, _exc: Exception) -> JSONResponse:
    """FastAPI's 400 for a body it cannot decode (not UTF-8), answered as its other broken
    JSON is: the contract's 422 for invalid input."""
    error = {"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}
    return error_response([error], 422)


async def _method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    """405 whose `Allow` lists every method some route serves at the path (Starlette names only
    those of the one route it tried)."""
    assert isinstance(exc, HTTPException)
    allowed = [method for method in _METHODS if _served(request, method)]
    return error_response(exc.detail, 405, headers={"Allow": ", ".join(allowed)})


def _served(request: Request, method: str) -> bool:
    scope = {**request.scope, "method": method}
    return any(route.matches(scope)[0] == Match.FULL for route in request.app.routes)


async def _not_found(_request: Request, exc: Exception) -> JSONResponse:
    return error_response(str(exc), 404)


async def _unavailable(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DatabaseUnavailable)
    database_outage.error("database unavailable: %s", exc)
    return error_response(exc.detail, 503)


async def _timed_out(request: Request, exc: Exception) -> JSONResponse:
    slow_queries.warning("%s %s: %s", request.method, request.url.path, exc)
    return error_response(str(exc), 503)


async def _unauthenticated(_request: Request, exc: Exception) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"}
    return error_response(str(exc), 401, headers=headers)


async def _forbidden(_request: Request, exc: Exception) -> JSONResponse:
    return error_response(str(exc), 403)


async def _rate_limited(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    headers = {"Retry-After": str(exc.retry_after)}
    return error_response(str(exc), 429, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Unauthenticated, _unauthenticated)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(RateLimited, _rate_limited)
    app.add_exception_handler(UserInputError, _user_input)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(400, _unparsable_body)
    app.add_exception_handler(405, _method_not_allowed)
    app.add_exception_handler(DatabaseUnavailable, _unavailable)
    app.add_exception_handler(QueryTimeout, _timed_out)
