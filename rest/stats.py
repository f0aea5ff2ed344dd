"""`/api/v1/stats`: totals by level and by service."""

from __future__ import annotations

from fastapi import APIRouter, Response

from core import logs
from core.runtime import RuntimeDep
from rest.schemas import StatsRead, json_response, stats_read

router = APIRouter(prefix="/stats", tags=["stats"])


@router.get("/", response_model=StatsRead, summary="Count logs by level and by service")
@router.get("", include_in_schema=False)
async def read_stats(runtime: RuntimeDep) -> Response:
    return json_response(stats_read(await logs.log_stats(runtime)))
