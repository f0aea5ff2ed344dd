"""The three ingest paths, and the read of Loki's API that Grafana makes beside its push;
each maps its protocol's body and errors, the rest is shared."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from core.access import Caller
from core.callers import ACCESS_RESPONSES, CallerDep, check_access
from core.logs import write_logs
from core.patterns import pattern_samples
from core.runtime import Runtime, RuntimeDep
from db.engine import DatabaseUnavailable
from ingest import limits, loki, ndjson, otlp
from ingest import loki_patterns as patterns_api
from ingest.errors import IngestError
from ingest.idempotency import idempotent
from ingest.streaming import content_coding, decoded, lines, read_whole

# Every refusal of docs/ingest.md's "Answers" table, in each protocol's own error shape.
_REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body is not what the protocol says (malformed)"},
    409: {"description": "The same Idempotency-Key is still in flight"},
    413: {"description": "The body or its record count is over a limit"},
    415: {"description": "Unsupported Content-Type or Content-Encoding"},
    503: {"description": "The database is unreachable; retry after Retry-After"},
}
router = APIRouter(
    tags=["ingest"],
    dependencies=[Depends(check_access)],
    responses={**ACCESS_RESPONSES, **_REFUSALS},
)

ErrorAnswer = Callable[[IngestError], Response]
_NDJSON_TYPES = frozenset(
    {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}
)
_RETRY_AFTER_SECONDS = "5"


def _body_doc(*media_types: str) -> dict[str, object]:
    """OpenAPI's requestBody for routes that read the raw body themselves: bytes, except JSON,
    which is an object (a JSON string, array or number is refused as malformed)."""
    content = {
        media: {"schema": _JSON_BODY if media == otlp.JSON else _BYTES} for media in media_types
    }
    return {"requestBody": {"required": True, "content": content}}


_BYTES = {"type": "string", "format": "binary"}
_JSON_BODY = {"type": "object"}


async def _serve(
    request: Request,
    runtime: Runtime,
    caller: Caller,
    *,
    answer_error: ErrorAnswer,
    handle: Callable[[AsyncIterator[bytes]], Awaitable[Response]],
) -> Response:
    """Idempotency around the handler, which reads the body it is given; every refusal in the
    protocol's own error shape."""

    async def guarded(body: AsyncIterator[bytes]) -> Response:
        try:
            return await handle(body)
        except IngestError as exc:
            return answer_error(exc)
        except DatabaseUnavailable:
            return _unavailable(answer_error)
        except ClientDisconnect:  # nobody reads this answer; 499 keeps it out of the replays
            return answer_error(IngestError(499, "the client closed the request"))

    try:
        return await idempotent(request, runtime, caller=caller, run=guarded)
    except IngestError as exc:
        return answer_error(exc)
    except DatabaseUnavailable:
        return _unavailable(answer_error)


def _unavailable(answer_error: ErrorAnswer) -> Response:
    """503 with Retry-After: the answer OTLP and Loki clients retry."""
    response = answer_error(IngestError(503, "database unavailable; retry later"))
    response.headers["Retry-After"] = _RETRY_AFTER_SECONDS
    return response


def media_type(request: Request) -> str:
    """The Content-Type without its parameters (`; charset=utf-8`), lower-cased."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


@router.post(
    "/ingest/ndjson",
    summary="Stream logs as NDJSON, one LogInput per line",
    max_body_size=limits.NDJSON_MAX_WIRE_BYTES,
    openapi_extra=_body_doc("application/x-ndjson"),
)
async def ingest_ndjson(
    request: Request,
    runtime: RuntimeDep,
    caller: CallerDep,
    atomic: bool = Query(False, description="Write every line or none."),
) -> Response:
    async def handle(stream: AsyncIterator[bytes]) -> Response:
        if media_type(request) not in _NDJSON_TYPES:
            raise IngestError(415, "Content-Type must be application/x-ndjson")
        gzip = content_coding(request.headers.get("content-encoding"))
        cap = limits.ATOMIC_MAX_DECODED_BYTES if atomic else limits.NDJSON_MAX_DECODED_BYTES
        body = decoded(stream, gzip=gzip, max_bytes=cap)
        batches = lines(body, max_line_bytes=limits.NDJSON_MAX_LINE_BYTES)
        status, outcome = await ndjson.ingest(runtime, batches, atomic=atomic)
        return ndjson.answer(status, outcome.as_json())

    return await _serve(request, runtime, caller, answer_error=ndjson.error_answer, handle=handle)


@router.post(
    "/v1/logs",
    summary="OTLP/HTTP logs (protobuf or JSON ExportLogsServiceRequest)",
    max_body_size=limits.MAX_WIRE_BYTES,
    openapi_extra=_body_doc(otlp.PROTOBUF, otlp.JSON),
)
async def ingest_otlp(request: Request, runtime: RuntimeDep, caller: CallerDep) -> Response:
    kind = otlp.PROTOBUF if media_type(request) == otlp.PROTOBUF else otlp.JSON

    async def handle(stream: AsyncIterator[bytes]) -> Response:
        if media_type(request) not in (otlp.PROTOBUF, otlp.JSON):
            raise IngestError(
                415, "Content-Type must be application/x-protobuf or application/json"
            )
        body = await _whole_body(request, stream)
        new_logs, rejections = await run_in_threadpool(otlp.read, body, media_type=kind)
        if new_logs:
            await write_logs(runtime, new_logs=new_logs)
        return otlp.answer(rejections, media_type=kind)

    def answer_error(error: IngestError) -> Response:
        return otlp.error_answer(error, media_type=kind)

    return await _serve(request, runtime, caller, answer_error=answer_error, handle=handle)


async def _whole_body(request: Request, stream: AsyncIterator[bytes]) -> bytes:
    gzip = content_coding(request.headers.get("content-encoding"))
    return await read_whole(stream, gzip=gzip, max_bytes=limits.MAX_DECODED_BYTES)


@router.post(
    "/loki/api/v1/push",
    summary="Loki push: JSON, or snappy-compressed protobuf as Promtail sends",
    max_body_size=limits.MAX_WIRE_BYTES,
    openapi_extra=_body_doc(otlp.PROTOBUF, otlp.JSON),
)
async def ingest_loki(request: Request, runtime: RuntimeDep, caller: CallerDep) -> Response:
    async def handle(stream: AsyncIterator[bytes]) -> Response:
        kind = media_type(request)
        if kind not in (otlp.PROTOBUF, otlp.JSON):
            raise IngestError(415, f"Content-Type must be {otlp.PROTOBUF} or {otlp.JSON}")
        body = await _whole_body(request, stream)
        protobuf = kind == otlp.PROTOBUF
        new_logs, rejections = await run_in_threadpool(loki.read, body, protobuf=protobuf)
        if new_logs:
            await write_logs(runtime, new_logs=new_logs)
        return loki.answer(rejections)

    return await _serve(request, runtime, caller, answer_error=loki.error_answer, handle=handle)


@router.get(
    "/loki/api/v1/patterns",
    summary="Loki's patterns: a service's patterns with their logs per step (docs/patterns.md)",
)
async def loki_patterns(
    runtime: RuntimeDep,
    query: str | None = None,
    start: str | None = None,
    end: str | None = None,
    step: str | None = None,
) -> Response:
    try:
        asked = patterns_api.parse(query=query, start=start, end=end, step=step)
        found = await pattern_samples(
            runtime, criteria=asked.criteria, start=asked.start, step=asked.step
        )
    except IngestError as exc:
        return loki.error_answer(exc)
    except DatabaseUnavailable:
        return _unavailable(loki.error_answer)
    return patterns_api.answer(found)
