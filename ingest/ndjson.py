"""`POST /ingest/ndjson`: one log per line in LogInput's shape, parsed and written as it streams."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio
import orjson
from fastapi import Response
from starlette.concurrency import run_in_threadpool

from core.logs import write_logs
from core.runtime import Runtime
from db.logs import LogRecord, NewLog
from db.models import as_utc
from ingest import limits
from ingest.drafts import Draft, Rejection, validate
from ingest.errors import IngestError, too_large
from ingest.levels import read_level

_PARSE_BATCH_LINES = 2_000  # lines handed to a worker thread at once


@dataclass
class Outcome:
    """What the answer reports: counts, and the first rejections in line order."""

    accepted: int = 0
    rejected_count: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    blank_count: int = 0

    def reject(self, rejections: list[Rejection]) -> None:
        self.rejected_count += len(rejections)
        room = limits.MAX_REJECTIONS_LISTED - len(self.rejected)
        self.rejected.extend(rejections[:room])

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "rejected": [_rejection_json(item) for item in self.rejected],
            "rejectedCount": self.rejected_count,
        }


def _rejection_json(rejection: Rejection) -> dict[str, Any]:
    body: dict[str, Any] = {"line": rejection.position, "message": rejection.reason}
    if rejection.field is not None:
        body["field"] = rejection.field
    return body


async def ingest(
    runtime: Runtime, batches: AsyncIterator[list[bytes | None]], *, atomic: bool
) -> tuple[int, Outcome]:
    """Write every valid line; atomic mode writes none if one fails. The answer's status too."""
    outcome = Outcome()
    pending: list[NewLog] = []
    writing: asyncio.Task[list[LogRecord]] | None = (
        None  # one chunk in the database while we parse on
    )
    try:
        async for new_logs, rejections, stop in _parsed(batches, outcome):
            outcome.reject(rejections)
            pending.extend(new_logs)
            if atomic and len(pending) > limits.ATOMIC_MAX_LINES:
                raise too_large(f"atomic mode takes at most {limits.ATOMIC_MAX_LINES} lines")
            if stop is not None:
                if not atomic and pending:
                    outcome.accepted += await _written(writing)
                    writing = asyncio.create_task(write_logs(runtime, new_logs=pending))
                raise stop
            if not atomic and len(pending) >= limits.NDJSON_CHUNK_LINES:
                outcome.accepted += await _written(writing)
                writing = asyncio.create_task(write_logs(runtime, new_logs=pending))
                pending = []
        outcome.accepted += await _written(writing)
    except BaseException as exc:
        with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
            outcome.accepted += await _written(writing)  # never leave a write behind
        if isinstance(exc, IngestError):
            exc.details["accepted"] = outcome.accepted  # partial mode kept what came before
        raise
    if atomic and outcome.rejected_count:
        return 422, outcome
    if pending:
        outcome.accepted += len(await write_logs(runtime, new_logs=pending))
    return 200, outcome


async def _written(writing: asyncio.Task[list[LogRecord]] | None) -> int:
    """Wait for the chunk in flight; how many logs it wrote."""
    return 0 if writing is None else len(await writing)


Parsed = tuple[list[NewLog], list[Rejection], IngestError | None]


async def _parsed(
    batches: AsyncIterator[list[bytes | None]], outcome: Outcome
) -> AsyncIterator[Parsed]:
    """Lines parsed and validated in worker threads, a few thousand at a time, in order, until
    one passes a cap (the third item: the error to answer)."""
    first_line = 1
    waiting: list[bytes | None] = []
    async for batch in batches:
        waiting.extend(batch)
        if len(waiting) >= _PARSE_BATCH_LINES:
            parsed = await run_in_threadpool(_parse_lines, waiting, first_line, outcome)
            yield parsed
            if parsed[2] is not None:
                return
            first_line += len(waiting)
            waiting = []
    if waiting:
        yield await run_in_threadpool(_parse_lines, waiting, first_line, outcome)


def _parse_lines(lines: list[bytes | None], first_line: int, outcome: Outcome) -> Parsed:
    """Stops at the line past NDJSON_MAX_REJECTED_LINES or NDJSON_MAX_BLANK_LINES: a stream
    of them (millions of `{}` in a few KiB of gzip) cannot succeed, yet would keep a core."""
    new_logs: list[NewLog] = []
    rejections: list[Rejection] = []
    for number, line in enumerate(lines, start=first_line):
        if line is None:
            limit = limits.NDJSON_MAX_LINE_BYTES
            rejections.append(Rejection(number, f"line longer than {limit} bytes"))
        elif not line or line.isspace():
            outcome.blank_count += 1
            if outcome.blank_count > limits.NDJSON_MAX_BLANK_LINES:
                cap = limits.NDJSON_MAX_BLANK_LINES
                return new_logs, rejections, _stopped(number, f"more than {cap} blank lines")
            continue
        else:
            result = _parse_line(line, number=number)
            if isinstance(result, NewLog):
                new_logs.append(result)
                continue
            rejections.append(result)
        if outcome.rejected_count + len(rejections) > limits.NDJSON_MAX_REJECTED_LINES:
            cap = limits.NDJSON_MAX_REJECTED_LINES
            return new_logs, rejections, _stopped(number, f"more than {cap} lines rejected")
    return new_logs, rejections, None


def _stopped(number: int, why: str) -> IngestError:
    return IngestError(422, f"stopped at line {number}: {why}; the lines before it were processed")


def _parse_line(line: bytes, *, number: int) -> NewLog | Rejection:
    try:
        item = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return Rejection(number, f"not valid JSON: {exc}")
    if not isinstance(item, dict):
        return Rejection(number, "must be a JSON object")
    try:
        draft = _draft(item)
    except _FieldError as exc:
        return Rejection(number, exc.reason, exc.field)
    return validate(draft, position=number)


class _FieldError(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _draft(item: dict[str, Any]) -> Draft:
    """LogInput's shape; `metadata_` (the legacy REST name) is read when `metadata` is absent."""
    metadata_key = "metadata" if "metadata" in item else "metadata_"
    metadata = item.get(metadata_key)
    if metadata is not None and not isinstance(metadata, dict):
        raise _FieldError(metadata_key, "must be a JSON object or null")
    level, metadata = read_level(_level(item), metadata=metadata)
    return Draft(
        level=level,
        service=_text(item, "service"),
        message=_text(item, "message"),
        timestamp=_timestamp(item.get("timestamp")),
        metadata=metadata,
    )


def _level(item: dict[str, Any]) -> str | float:
    """A name or a number, as shippers send levels (see ingest/levels.py)."""
    value = item.get("level")
    if value is None:
        raise _FieldError("level", "is required")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _FieldError("level", "must be a string or a number")
    return value


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if value is None:
        raise _FieldError(key, "is required")
    if not isinstance(value, str):
        raise _FieldError(key, "must be a string")
    return value


def _timestamp(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return as_utc(datetime.fromisoformat(value))
        except (ValueError, OverflowError):  # overflow: year 1 or 9999 shifted past its edge
            pass
    raise _FieldError("timestamp", "must be an ISO 8601 date-time")


def answer(status: int, content: dict[str, Any]) -> Response:
    """JSON, serialised once with orjson."""
    return Response(orjson.dumps(content), status, media_type="application/json")


def error_answer(error: IngestError) -> Response:
    """`{"detail": reason}`, with `accepted` when partial mode had written lines before."""
    return answer(error.status, {"detail": error.reason, **error.details})
