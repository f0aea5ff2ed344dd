"""`POST /v1/logs`: OTLP/HTTP from the OpenTelemetry SDK itself, and hostile bodies by hand."""

from __future__ import annotations

import gzip
import logging
import math
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from google.protobuf import json_format
from google.rpc.status_pb2 import Status
from opentelemetry.exporter.otlp.json.http._log_exporter import (
    OTLPLogExporter as JsonLogExporter,
)
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue, KeyValueList
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import LogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource as SdkResource

from testing.server import Server
from tests.ingest.conftest import logs_of, stored

PROTOBUF = {"content-type": "application/x-protobuf"}


@pytest.fixture(params=["protobuf", "protobuf+gzip", "json"])
def exporter(request: pytest.FixtureRequest, server: Server) -> LogRecordExporter:
    endpoint = f"{server.base_url}/v1/logs"
    if request.param == "json":
        return JsonLogExporter(endpoint=endpoint)
    gzip_on = request.param.endswith("gzip")
    return OTLPLogExporter(
        endpoint=endpoint, compression=Compression.Gzip if gzip_on else Compression.NoCompression
    )


@pytest.fixture
def sdk_logger(exporter: LogRecordExporter) -> Iterator[tuple[logging.Logger, str]]:
    """Python logging wired to the SDK's LoggingHandler, under a service name of its own."""
    service = f"svc-{uuid.uuid4().hex[:12]}"
    provider = LoggerProvider(resource=SdkResource.create({"service.name": service, "team": "pay"}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    handler = LoggingHandler(level=logging.NOTSET, logger_provider=provider)
    logger = logging.getLogger(f"tests.otlp.{service}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield logger, service
    logger.removeHandler(handler)
    provider.shutdown()


@pytest.mark.slow
def test_records_logged_through_the_sdk_arrive_mapped(
    sdk_logger: tuple[logging.Logger, str], server: Server
) -> None:
    logger, service = sdk_logger
    logger.debug("cache warm")
    logger.info("order placed", extra={"order": 7})
    logger.warning("slow payment")
    logger.error("card declined")
    logger.critical("ledger down")
    logs = logs_of(server, service)
    assert [(log["level"], log["message"]) for log in logs] == [
        ("DEBUG", "cache warm"),
        ("INFO", "order placed"),
        ("WARN", "slow payment"),
        ("ERROR", "card declined"),
        ("FATAL", "ledger down"),
    ]
    placed = logs[1]["metadata_"]
    assert placed["attributes"]["order"] == 7
    assert placed["resource"]["service.name"] == service
    assert placed["resource"]["team"] == "pay"
    assert placed["scope"]["name"] == logger.name
    assert placed["severity_text"] == "INFO"


def _request(*records: LogRecord, service: str | None = "checkout") -> bytes:
    resource_attributes = (
        []
        if service is None
        else [KeyValue(key="service.name", value=AnyValue(string_value=service))]
    )
    message = ExportLogsServiceRequest(
        resource_logs=[
            ResourceLogs(
                resource=Resource(attributes=resource_attributes),
                scope_logs=[ScopeLogs(log_records=list(records))],
            )
        ]
    )
    encoded: bytes = message.SerializeToString()
    return encoded


def _record(**fields: object) -> LogRecord:
    fields.setdefault("body", AnyValue(string_value="hello"))
    return LogRecord(**fields)  # type: ignore[arg-type]


def test_severity_ranges_text_and_defaults(client: TestClient) -> None:
    body = _request(
        _record(severity_number=1),
        _record(severity_number=8),
        _record(severity_number=12),
        _record(severity_number=13),
        _record(severity_number=20),
        _record(severity_number=24),
        _record(severity_text="warning"),
        _record(severity_text="whatever"),
        _record(),
    )
    assert client.post("/v1/logs", content=body, headers=PROTOBUF).status_code == 200
    levels = [log["level"] for log in stored(client)]
    assert levels == ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "WARN", "INFO", "INFO"]


def test_times_ids_structured_bodies_and_unknown_service(client: TestClient) -> None:
    body = _request(
        _record(
            time_unix_nano=1_760_000_000_123_456_789,
            trace_id=bytes.fromhex("0af7651916cd43dd8448eb211c80319c"),
            span_id=bytes.fromhex("b7ad6b7169203331"),
            body=AnyValue(
                kvlist_value=KeyValueList(values=[KeyValue(key="k", value=AnyValue(int_value=1))])
            ),
        ),
        _record(observed_time_unix_nano=1_760_000_001_000_000_000),
        service=None,
    )
    assert client.post("/v1/logs", content=body, headers=PROTOBUF).status_code == 200
    first, second = stored(client)
    assert first["service"] == "unknown_service"
    assert first["message"] == '{"k":1}'
    assert first["timestamp"].startswith("2025-10-09T08:53:20.123456")
    assert first["metadata_"]["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert first["metadata_"]["span_id"] == "b7ad6b7169203331"
    assert second["timestamp"].startswith("2025-10-09T08:53:21")


def test_invalid_records_are_reported_as_partial_success(client: TestClient) -> None:
    deep = AnyValue(string_value="x")
    for _ in range(12):
        deep = AnyValue(array_value=ArrayValue(values=[deep]))
    body = _request(
        _record(body=AnyValue(string_value="kept")),
        _record(body=AnyValue(string_value="\x00")),
        _record(body=AnyValue(double_value=math.nan)),
        _record(attributes=[KeyValue(key="deep", value=deep)]),
        _record(body=AnyValue(string_value="also kept")),
    )
    response = client.post("/v1/logs", content=body, headers=PROTOBUF)
    assert response.status_code == 200
    answer = ExportLogsServiceResponse.FromString(response.content)
    assert answer.partial_success.rejected_log_records == 3
    assert "record 1" in answer.partial_success.error_message
    assert [log["message"] for log in stored(client)] == ["kept", "also kept"]


@pytest.mark.parametrize(
    "record",
    [
        _record(attributes=[KeyValue(key="ratio", value=AnyValue(double_value=math.nan))]),
        _record(attributes=[KeyValue(key="ratio", value=AnyValue(double_value=-math.inf))]),
        _record(body=AnyValue(double_value=math.inf)),
    ],
)
def test_a_record_with_nan_or_infinity_is_refused_as_metadata_is(
    client: TestClient, record: LogRecord
) -> None:
    """JSON has no NaN or Infinity: refused as GraphQL and REST refuse them, not stored as text."""
    body = _request(record, _record(body=AnyValue(string_value="kept")))
    response = client.post("/v1/logs", content=body, headers=PROTOBUF)
    answer = ExportLogsServiceResponse.FromString(response.content)
    assert answer.partial_success.rejected_log_records == 1
    assert "NaN or Infinity" in answer.partial_success.error_message
    assert [log["message"] for log in stored(client)] == ["kept"]


def test_json_answers_in_json_and_reads_hex_ids(client: TestClient) -> None:
    document = {
        "resourceLogs": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]
                },
                "scopeLogs": [
                    {
                        "logRecords": [
                            {
                                "timeUnixNano": "1760000000000000000",
                                "severityNumber": 17,
                                "body": {"stringValue": "boom"},
                                "traceId": "5b8efff798038103d269b633813fc60c",
                            }
                        ]
                    }
                ],
            }
        ]
    }
    response = client.post("/v1/logs", json=document)
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    (log,) = stored(client)
    assert (log["service"], log["level"], log["message"]) == ("api", "ERROR", "boom")
    assert log["metadata_"]["trace_id"] == "5b8efff798038103d269b633813fc60c"


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"\xff\xff\xff", PROTOBUF, 400),
        (b"{not json", {"content-type": "application/json"}, 400),
        (b'{"resourceLogs": 5}', {"content-type": "application/json"}, 400),
        (b"[]", {"content-type": "application/json"}, 400),
        (b'{"resourceLogs": [null]}', {"content-type": "application/json"}, 400),
        (b"", {"content-type": "text/plain"}, 415),
        (b"abc", {**PROTOBUF, "content-encoding": "gzip"}, 400),
        (gzip.compress(b"\0" * (65 * 1024 * 1024)), {**PROTOBUF, "content-encoding": "gzip"}, 413),
    ],
)
def test_malformed_bodies_get_a_status_in_the_request_encoding(
    client: TestClient, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = client.post("/v1/logs", content=body, headers=headers)
    assert response.status_code == status
    if headers["content-type"] == PROTOBUF["content-type"]:
        assert Status.FromString(response.content).message
    else:
        assert json_format.Parse(response.content, Status()).message
    assert stored(client) == []


def test_more_records_than_allowed_is_413_and_writes_nothing(client: TestClient) -> None:
    body = _request(*(_record() for _ in range(10_001)))
    assert client.post("/v1/logs", content=body, headers=PROTOBUF).status_code == 413
    assert stored(client) == []


@pytest.mark.slow
def test_unknown_json_fields_are_ignored_as_the_otlp_spec_requires(client: TestClient) -> None:
    """OTLP/JSON receivers must ignore unknown fields, so newer senders still get through."""
    document = {
        "resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"stringValue": "kept"}}]}]}],
        "fromTheFuture": 1,
    }
    response = client.post("/v1/logs", json=document)
    assert response.status_code == 200, response.text
    assert [log["message"] for log in stored(client)] == ["kept"]
    assert client.post("/v1/logs", json={}).status_code == 200
