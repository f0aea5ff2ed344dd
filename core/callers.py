"""The FastAPI dependency that says who is calling: every REST route and the GraphQL context
getter go through it, so the key check and the rate limit are written once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from starlette.requests import HTTPConnection

from core.access import Caller, Scope, credential_from_headers, require
from core.runtime import get_runtime


def client_address(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown"


async def get_caller(connection: HTTPConnection) -> Caller:
    """Authenticate the request and count it against the caller's rate limit."""
    runtime = get_runtime(connection)
    caller = await runtime.keys.authenticate(
        credential_from_headers(connection.headers), address=client_address(connection)
    )
    await runtime.limiter.check(caller)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
# What check_access answers, for the OpenAPI `responses` of every route behind it.
ACCESS_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No API key, or an unknown or revoked one (when keys are required)"},
    403: {"description": "The API key lacks the scope this route needs"},
    429: {"description": "Rate limited; see Retry-After"},
}


METHOD_SCOPES = {"GET": Scope.READ, "HEAD": Scope.READ, "POST": Scope.INGEST, "DELETE": Scope.ADMIN}


async def check_access(connection: HTTPConnection, caller: CallerDep) -> None:
    """A router dependency: reading is `read`, writing is `ingest`, deleting is `admin`."""
    require(caller, METHOD_SCOPES.get(connection.scope.get("method", ""), Scope.ADMIN))
