"""Resolver errors as the legacy clients expect them: FastAPI's status codes and shapes."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from core.access import Forbidden, RateLimited, Unauthenticated
from core.errors import NotFoundError, TooLargeError, UserInputError
from core.request_id import current_request_id
from db.engine import DatabaseUnavailable

logger = logging.getLogger("lograph.rest")


def error_response(
    detail: object, status_code: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An error in the legacy shape, plus the request id to quote when reporting it."""
    body = {"detail": detail, "requestId": current_request_id.get()}
    return JSONResponse(body, status_code=status_code, headers=headers)


# Resolver fields carry GraphQL names; legacy clients know the snake_case ones.
_REST_NAMES = {"startTime": "start_time", "endTime": "end_time", "metadata": "metadata_"}


async def _user_input(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UserInputError)
    if isinstance(exc, TooLargeError):
        return error_response(str(exc), 413)
    field = _REST_NAMES.get(exc.field, exc.field)
    where = "query" if request.method in ("GET", "DELETE") else "body"
    loc: list[str | int] = [where, field] if exc.index is None else [where, exc.index, field]
    error = {"loc": loc, "msg": exc.reason, "type": "value_error"}
    return error_response([error], 422)


async def _not_found(_request: Request, exc: Exception) -> JSONResponse:
    return error_response(str(exc), 404)


async def _unavailable(_request: Request, exc: Exception) -> JSONResponse:
    logger.error("database unavailable: %s", exc)
    return error_response("Database unavailable", 503)


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
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(DatabaseUnavailable, _unavailable)
