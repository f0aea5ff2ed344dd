"""The probes operators point load balancers and orchestrators at."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from core.outage_log import OutageLog
from core.runtime import RuntimeDep
from db.engine import Database

readiness = OutageLog(logging.getLogger("lograph.ops"))
router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database answers", responses={503: {}})
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    """Ready while the primary answers; read replicas are shown, and never make it unready
    (the primary serves the reads of a replica that is down)."""
    replicas = _replicas(runtime.db)
    try:
        await runtime.db.ping()  # answers within a second, whatever the database does
    except Exception as exc:
        readiness.warning("readiness check failed: %s", exc)
        down = {"status": "unavailable", "database": "down", **replicas}
        return JSONResponse(down, status_code=503)
    return JSONResponse({"status": "ok", "database": "up", **replicas})


def _replicas(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Each replica's state and lag, as the last probe found them; nothing without replicas."""
    if db.replicas is None:
        return {}
    shown = [
        {"replica": status.name, "state": status.state.value, "lagSeconds": status.lag_seconds}
        for status in db.replicas.statuses()
    ]
    return {"replicas": shown}
