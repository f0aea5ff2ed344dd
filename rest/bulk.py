"""`/api/v1/bulk_logs`: many logs in one all-or-nothing request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response

from core import logs
from core.runtime import RuntimeDep
from rest.openapi import BULK_EXAMPLES, TOO_LARGE
from rest.schemas import LogCreate, LogRead, json_response, log_read

router = APIRouter(prefix="/bulk_logs", tags=["bulk"])


@router.post(
    "/",
    response_model=list[LogRead],
    summary="Create up to 10,000 logs; one invalid item and none is written",
    description="Validates every item first; a bad one is answered 422 with its index and field.",
    responses=TOO_LARGE,
)
@router.post("", include_in_schema=False)
async def create_logs(
    body: Annotated[list[LogCreate], Body(openapi_examples=BULK_EXAMPLES)],
    runtime: RuntimeDep,
) -> Response:
    created = await logs.create_logs(runtime, inputs=body)
    return json_response([log_read(log) for log in created])
