"""Scopes on the legacy routes: reading is `read`, writing is `ingest`, deleting is `admin`."""

from __future__ import annotations

from fastapi import Request

from core.access import Scope, require
from core.callers import CallerDep

METHOD_SCOPES = {"GET": Scope.READ, "HEAD": Scope.READ, "POST": Scope.INGEST, "DELETE": Scope.ADMIN}


async def check_access(request: Request, caller: CallerDep) -> None:
    """Refuse the request unless its key holds the scope its method needs."""
    require(caller, METHOD_SCOPES.get(request.method, Scope.ADMIN))
