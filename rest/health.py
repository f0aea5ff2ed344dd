"""The legacy welcome at `/` and the probes operators point load balancers at."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from rest.deps import ServicesDep

logger = logging.getLogger("lograph.health")
router = APIRouter(tags=["health"])


@router.get("/")
async def welcome() -> dict[str, str]:
    return {"message": "Log Aggregation Service is up and running"}


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database answers", responses={503: {}})
async def readyz(services: ServicesDep) -> JSONResponse:
    try:
        await services.db.ping()
    except Exception as exc:
        logger.warning("readiness check failed: %s", exc)
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "up"})
