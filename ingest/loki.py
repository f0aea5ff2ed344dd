"""`POST /loki/api/v1/push`: Loki streams mapped to logs, answered as Loki answers."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from db.levels import Level
from db.logs import NewLog
from ingest import limits, loki_wire
from ingest.drafts import Draft, Rejection, from_unix_nanos, partition, validate
from ingest.errors import IngestError
from ingest.levels import shipper_level
from ingest.loki_wire import Entry, Stream

# Most specific first: Loki's own, then the names shippers use by default (python-logging-loki
# `application`, Promtail `job`, Docker and Kubernetes `container`).
SERVICE_LABELS = ("service_name", "service", "app", "application", "job", "container")
LEVEL_LABELS = ("level", "detected_level", "severity")
UNKNOWN_SERVICE = "unknown_service"


def read(body: bytes, *, protobuf: bool) -> tuple[list[NewLog], list[Rejection]]:
    """The body's entries as validated logs and rejections (CPU work: run it in a thread)."""
    streams = loki_wire.from_snappy_protobuf(body) if protobuf else loki_wire.from_json(body)
    return to_new_logs(streams)


def to_new_logs(streams: list[Stream]) -> tuple[list[NewLog], list[Rejection]]:
    """Every entry mapped and validated; positions count entries across the request."""
    if sum(len(stream.entries) for stream in streams) > limits.MAX_RECORDS:
        raise loki_wire.too_many_entries()
    entries = ((stream, entry) for stream in streams for entry in stream.entries)
    return partition(
        _entry(stream, entry, position=position) for position, (stream, entry) in enumerate(entries)
    )


def _entry(stream: Stream, entry: Entry, *, position: int) -> NewLog | Rejection:
    structured = entry.structured_metadata
    if len(stream.labels) > limits.MAX_ATTRIBUTES or len(structured) > limits.MAX_ATTRIBUTES:
        return Rejection(position, f"at most {limits.MAX_ATTRIBUTES} labels or metadata pairs")
    labels = dict(stream.labels)
    service = _take_first(labels, SERVICE_LABELS) or UNKNOWN_SERVICE
    try:
        draft = Draft(
            level=_level(labels),
            service=service,
            message=entry.line,
            timestamp=from_unix_nanos(entry.nanos),
            metadata=_metadata(labels, structured),
        )
    except ValueError as exc:
        return Rejection(position, str(exc))
    return validate(draft, position=position)


def _take_first(labels: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if labels.get(name):
            return labels.pop(name)
    return None


def _level(labels: dict[str, str]) -> Level:
    """The first level label that names a level (ingest/levels.py); INFO when none does, the
    unknown labels then kept in `labels`."""
    for name in LEVEL_LABELS:
        level = shipper_level(labels.get(name, ""))
        if level is not None:
            del labels[name]
            return level
    return Level.INFO


def _metadata(labels: dict[str, str], structured: dict[str, str]) -> dict[str, Any] | None:
    metadata: dict[str, Any] = {}
    if labels:
        metadata["labels"] = labels
    if structured:
        metadata["structured_metadata"] = structured
    return metadata or None


def answer(rejections: list[Rejection]) -> Response:
    """204 as Loki answers; like Loki, valid entries are kept and the rejected ones named."""
    if not rejections:
        return Response(status_code=204)
    first = rejections[0]
    where = f"{first.field}: " if first.field else ""
    reason = (
        f"{len(rejections)} entries rejected; the first, entry {first.position}: "
        f"{where}{first.reason}"
    )
    return error_answer(IngestError(400, reason))


def error_answer(error: IngestError) -> Response:
    """Loki answers refusals in plain text."""
    return Response(error.reason + "\n", error.status, media_type="text/plain")
