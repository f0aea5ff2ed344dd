"""The probes operators point load balancers and orchestrators at."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from core.outage_log import OutageLog
from core.runtime import RuntimeDep

readiness = OutageLog(logging.getLogger("lograph.ops"))
router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database answers", responses={503: {}})
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    try:
        await runtime.db.ping()  # answers within a second, whatever the database does
    except Exception as exc:
        readiness.warning("readiness check failed: %s", exc)
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "up"})
