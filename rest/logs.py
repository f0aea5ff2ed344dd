"""`/api/v1/logs`: create, list, filter, read and delete single logs."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.convertors import Convertor, register_url_convertor

from core import logs
from core.callers import CallerDep
from core.errors import NotFoundError
from core.filters import LogFilter
from core.logs import SortOrder
from core.runtime import RuntimeDep
from rest.openapi import NOT_FOUND, Limit, LogId, Skip
from rest.schemas import IsoDateTime, LogCreate, LogRead, RestLevel, json_response, log_read

router = APIRouter(prefix="/logs", tags=["logs"])


class LogIdSegment(Convertor[str]):
    """A path segment that may be a log id: any but `filter`, so `DELETE /logs/filter` is the
    405 of a path without that method rather than a 422 for the id `filter`. The route still
    validates the id (422 for `abc`)."""

    regex = "(?!filter$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("log_id", LogIdSegment())


@router.post("/", response_model=LogRead, summary="Create one log")
@router.post("", include_in_schema=False)
async def create_log(body: LogCreate, runtime: RuntimeDep) -> Response:
    created = await logs.create_log(runtime, log_input=body)
    return json_response(log_read(created))


@router.get("/", response_model=list[LogRead], summary="List logs, oldest id first")
@router.get("", include_in_schema=False)
async def list_logs(runtime: RuntimeDep, skip: Skip = 0, limit: Limit = 50) -> Response:
    page = await logs.find_logs(runtime, skip=skip, limit=limit, order=SortOrder.ASC, by_id=True)
    return json_response([log_read(log) for log in page])


@router.get("/filter", response_model=list[LogRead], summary="Filter logs by timestamp, then id")
async def filter_logs(
    runtime: RuntimeDep,
    level: RestLevel | None = None,
    service: str | None = None,
    start_time: IsoDateTime | None = None,
    end_time: IsoDateTime | None = None,
    skip: Skip = 0,
    limit: Limit = 50,
) -> Response:
    log_filter = LogFilter(level=level, service=service, start_time=start_time, end_time=end_time)
    page = await logs.find_logs(
        runtime, log_filter=log_filter, skip=skip, limit=limit, order=SortOrder.ASC
    )
    return json_response([log_read(log) for log in page])


@router.get("/{log_id:log_id}", response_model=LogRead, summary="Read one log", responses=NOT_FOUND)
async def read_log(log_id: LogId, runtime: RuntimeDep) -> Response:
    log = await logs.get_log(runtime, log_id=log_id)
    if log is None:
        raise NotFoundError("Log not found")
    return json_response(log_read(log))


@router.delete(
    "/{log_id:log_id}",
    response_model=LogRead,
    summary="Delete one log, returning it",
    responses=NOT_FOUND,
)
async def delete_log(log_id: LogId, runtime: RuntimeDep, caller: CallerDep) -> Response:
    deleted = await logs.delete_log(runtime, caller=caller, log_id=log_id)
    return json_response(log_read(deleted))
