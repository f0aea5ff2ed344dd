"""`/api/v1/bulk_logs`: many logs in one all-or-nothing request."""

from __future__ import annotations

from fastapi import APIRouter, Response

from core import logs
from core.runtime import RuntimeDep
from rest.schemas import LogCreate, LogRead, json_response, log_read

router = APIRouter(prefix="/bulk_logs", tags=["bulk"])


@router.post(
    "/",
    response_model=list[LogRead],
    summary="Create up to 10,000 logs; one invalid item and none is written",
    responses={413: {"description": "More than 10,000 logs"}},
)
@router.post("", include_in_schema=False)
async def create_logs(body: list[LogCreate], runtime: RuntimeDep) -> Response:
    created = await logs.create_logs(runtime, inputs=body)
    return json_response([log_read(log) for log in created])
