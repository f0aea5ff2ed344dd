"""`POST /v1/logs`, OTLP/HTTP: protobuf or JSON ExportLogsServiceRequest in, the OTLP answer out."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
from fastapi import Response
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs

from db.levels import Level
from db.logs import NewLog
from ingest import limits
from ingest.drafts import Draft, Rejection, from_unix_nanos, partition, validate
from ingest.errors import IngestError, bad_request, too_large
from ingest.levels import keep_original_level, shipper_level
from ingest.otlp_values import ValueRefused, attributes, text

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
UNKNOWN_SERVICE = "unknown_service"  # the spec's name when service.name is absent
# severity_number 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR, 21-24 FATAL.
_BY_SEVERITY = [level for level in Level for _ in range(4)]
# google.rpc codes for the error answers' Status.
_RPC_CODES = {400: 3, 409: 10, 413: 8, 415: 3, 503: 14}


def read(body: bytes, *, media_type: str) -> tuple[list[NewLog], list[Rejection]]:
    """The body's records as validated logs and rejections (CPU work: run it in a thread)."""
    return to_new_logs(decode(body, media_type=media_type))


def decode(body: bytes, *, media_type: str) -> ExportLogsServiceRequest:
    """The request message; 400 when the body is not one."""
    request = ExportLogsServiceRequest()
    try:
        if media_type == PROTOBUF:
            request.ParseFromString(body)
        else:
            document = orjson.loads(body)
            if not isinstance(document, dict):
                raise bad_request("body must be a JSON object (an ExportLogsServiceRequest)")
            json_format.ParseDict(_ids_as_base64(document), request, ignore_unknown_fields=True)
    # ValueError covers orjson's errors; TypeError and AttributeError come from JSON shapes
    # ParseDict does not expect, RecursionError from deeply nested values.
    except (
        DecodeError,
        json_format.ParseError,
        ValueError,
        TypeError,
        AttributeError,
        RecursionError,
    ) as exc:
        raise bad_request(f"body is not an OTLP ExportLogsServiceRequest: {exc}") from None
    count = sum(len(scope.log_records) for res in request.resource_logs for scope in res.scope_logs)
    if count > limits.MAX_RECORDS:
        raise too_large(f"at most {limits.MAX_RECORDS} log records per request")
    return request


def _ids_as_base64(document: Any) -> Any:
    """OTLP JSON writes trace and span ids in hex where protobuf's JSON mapping expects base64."""
    for resource in _objects(document, "resourceLogs", "resource_logs"):
        for scope in _objects(resource, "scopeLogs", "scope_logs"):
            for record in _objects(scope, "logRecords", "log_records"):
                for key in ("traceId", "trace_id", "spanId", "span_id"):
                    if isinstance(record.get(key), str):
                        record[key] = _hex_to_base64(record[key], key)
    return document


def _objects(parent: Any, *keys: str) -> list[dict[str, Any]]:
    if not isinstance(parent, dict):
        return []
    for key in keys:
        children = parent.get(key)
        if isinstance(children, list):
            return [child for child in children if isinstance(child, dict)]
    return []


def _hex_to_base64(value: str, key: str) -> str:
    try:
        return base64.b64encode(bytes.fromhex(value)).decode()
    except (ValueError, binascii.Error):
        raise bad_request(f"{key} must be hex") from None


def to_new_logs(request: ExportLogsServiceRequest) -> tuple[list[NewLog], list[Rejection]]:
    """Every record mapped and validated; positions count records across the request."""
    records = (
        (record, shared)
        for resource_logs in request.resource_logs
        for scope_logs in resource_logs.scope_logs
        for shared in (_shared(resource_logs, scope_logs),)  # once per scope, not per record
        for record in scope_logs.log_records
    )
    return partition(
        _record(record, shared, position=position)
        for position, (record, shared) in enumerate(records)
    )


def _shared(resource_logs: ResourceLogs, scope_logs: ScopeLogs) -> tuple[str, dict[str, Any]] | str:
    """The service and metadata every record of a scope shares, or why they are all refused."""
    try:
        resource = attributes(resource_logs.resource.attributes)
        scope_attributes = attributes(scope_logs.scope.attributes)
    except ValueRefused as exc:
        return str(exc)
    service = resource.get("service.name")
    metadata: dict[str, Any] = {}
    if resource:
        metadata["resource"] = resource
    scope = {
        key: value
        for key, value in (
            ("name", scope_logs.scope.name),
            ("version", scope_logs.scope.version),
            ("attributes", scope_attributes),
        )
        if value
    }
    if scope:
        metadata["scope"] = scope
    return (service if isinstance(service, str) and service else UNKNOWN_SERVICE), metadata


def _record(
    record: LogRecord, shared: tuple[str, dict[str, Any]] | str, *, position: int
) -> NewLog | Rejection:
    if isinstance(shared, str):
        return Rejection(position, shared)
    service, common = shared
    try:
        level, metadata = _level(record, _metadata(record, common))
        draft = Draft(
            level=level,
            service=service,
            message=text(record.body),
            timestamp=_timestamp(record),
            metadata=metadata or None,
        )
    except ValueError as exc:
        return Rejection(position, str(exc))
    return validate(draft, position=position)


def _metadata(record: LogRecord, common: dict[str, Any]) -> dict[str, Any]:
    """The scope's shared metadata and the record's own keys, built in one dict (no merge)."""
    metadata = common.copy()
    if record.attributes:
        metadata["attributes"] = attributes(record.attributes)
    if record.trace_id:
        metadata["trace_id"] = record.trace_id.hex()
    if record.span_id:
        metadata["span_id"] = record.span_id.hex()
    if record.severity_text:
        metadata["severity_text"] = record.severity_text
    if record.event_name:
        metadata["event_name"] = record.event_name
    return metadata


def _level(record: LogRecord, metadata: dict[str, Any]) -> tuple[Level, dict[str, Any]]:
    """severity_number when OTel defines it (1-24), else severity_text read as every ingest
    format reads levels; else INFO (the text is in the metadata already, a number is added)."""
    number = record.severity_number
    if 1 <= number <= len(_BY_SEVERITY):
        return _BY_SEVERITY[number - 1], metadata
    level = shipper_level(record.severity_text) if record.severity_text else None
    if level is not None:
        return level, metadata
    if number:
        return Level.INFO, keep_original_level(metadata, number)
    return Level.INFO, metadata


def _timestamp(record: LogRecord) -> Any:
    nanos = record.time_unix_nano or record.observed_time_unix_nano
    return from_unix_nanos(nanos) if nanos else None


def answer(rejections: list[Rejection], *, media_type: str) -> Response:
    """ExportLogsServiceResponse, with partial_success when records were rejected."""
    response = ExportLogsServiceResponse()
    if rejections:
        first = rejections[0]
        where = f"{first.field}: " if first.field else ""
        response.partial_success.rejected_log_records = len(rejections)
        response.partial_success.error_message = (
            f"{len(rejections)} log records rejected; the first, record {first.position}: "
            f"{where}{first.reason}"
        )
    return _encoded(response, status=200, media_type=media_type)


def error_answer(error: IngestError, *, media_type: str) -> Response:
    """A google.rpc.Status in the request's encoding, as OTLP/HTTP specifies."""
    status = Status(code=_RPC_CODES.get(error.status, 2), message=error.reason)
    return _encoded(status, status=error.status, media_type=media_type)


def _encoded(message: Any, *, status: int, media_type: str) -> Response:
    if media_type == PROTOBUF:
        return Response(message.SerializeToString(), status, media_type=PROTOBUF)
    content = json_format.MessageToJson(message, indent=None)
    return Response(content.encode(), status, media_type=JSON)
