"""No ingest endpoint loses a record for its level: shippers' names and numbers; unknown kept."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.testclient import TestClient
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs, SeverityNumber

from tests.ingest.conftest import stored

T0 = 1_760_000_000_000_000_000
# What shippers send, and the level docs/ingest.md's table maps it to.
SHIPPER_LEVELS: list[tuple[Any, str]] = [
    # syslog names (syslog-ng's $LEVEL, rsyslog's %syslogseverity-text%), any case
    *[("emerg", "FATAL"), ("alert", "FATAL"), ("crit", "FATAL"), ("err", "ERROR")],
    *[("warning", "WARN"), ("notice", "INFO"), ("info", "INFO"), ("debug", "DEBUG")],
    *[("EMERG", "FATAL"), ("Err", "ERROR"), (" notice ", "INFO"), ("panic", "FATAL")],
    *[("emergency", "FATAL"), ("critical", "FATAL"), ("informational", "INFO")],
    # syslog numeric severities, as JSON numbers or digits
    *[(0, "FATAL"), (1, "FATAL"), (2, "FATAL"), (3, "ERROR"), (4, "WARN"), (5, "INFO")],
    *[(6, "INFO"), (7, "DEBUG"), ("3", "ERROR"), ("7", "DEBUG")],
    # Python's names, pino's and bunyan's numbers
    *[("WARNING", "WARN"), ("CRITICAL", "FATAL"), ("fatal", "FATAL"), ("trace", "TRACE")],
    *[(10, "TRACE"), (20, "DEBUG"), (30, "INFO"), (40, "WARN"), (50, "ERROR"), (60, "FATAL")],
    ("50", "ERROR"),
    # OpenTelemetry's severity texts
    *[("TRACE2", "TRACE"), ("debug4", "DEBUG"), ("INFO3", "INFO"), ("Warn2", "WARN")],
    *[("ERROR4", "ERROR"), ("FATAL2", "FATAL")],
]
UNKNOWN_LEVELS: list[Any] = ["LOUD", "verbose", "", 35, 8, 99, -1, 3.5, "007"]


def ndjson(client: TestClient, *lines: dict[str, Any]) -> dict[str, Any]:
    body = b"\n".join(orjson.dumps({"service": "s", "message": "m", **item}) for item in lines)
    response = client.post(
        "/ingest/ndjson", content=body, headers={"content-type": "application/x-ndjson"}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_ndjson_reads_the_level_names_and_numbers_shippers_send(client: TestClient) -> None:
    answer = ndjson(client, *({"level": sent} for sent, _ in SHIPPER_LEVELS))
    assert answer == {"accepted": len(SHIPPER_LEVELS), "rejected": [], "rejectedCount": 0}
    logs = stored(client)
    assert [log["level"] for log in logs] == [level for _, level in SHIPPER_LEVELS]
    assert [log["metadata_"] for log in logs] == [None] * len(SHIPPER_LEVELS)


def test_ndjson_stores_an_unknown_level_as_info_keeping_it_as_sent(client: TestClient) -> None:
    answer = ndjson(client, *({"level": sent, "metadata": {"a": 1}} for sent in UNKNOWN_LEVELS))
    assert answer["accepted"] == len(UNKNOWN_LEVELS)
    logs = stored(client)
    assert [log["level"] for log in logs] == ["INFO"] * len(UNKNOWN_LEVELS)
    assert [log["metadata_"] for log in logs] == [
        {"a": 1, "original_level": sent} for sent in UNKNOWN_LEVELS
    ]


def test_the_original_level_never_overwrites_a_key_of_the_record(client: TestClient) -> None:
    mine = {"original_level": "mine", "_original_level": "mine too"}
    ndjson(client, {"level": "LOUD", "metadata": mine}, {"level": "err", "metadata": mine})
    unknown, known = stored(client)
    assert unknown["metadata_"] == {**mine, "__original_level": "LOUD"}
    assert (known["level"], known["metadata_"]) == ("ERROR", mine)


def test_ndjson_still_refuses_a_missing_level_or_one_of_another_type(client: TestClient) -> None:
    answer = ndjson(client, {}, {"level": None}, {"level": True}, {"level": {"name": "err"}})
    assert answer["accepted"] == 0
    assert [(item["field"], item["message"]) for item in answer["rejected"]] == [
        ("level", "is required"),
        ("level", "is required"),
        ("level", "must be a string or a number"),
        ("level", "must be a string or a number"),
    ]


def test_loki_level_labels_read_shippers_names(client: TestClient) -> None:
    streams = [
        {"stream": {"app": "a", label: sent}, "values": [[str(T0), f"{label}={sent}"]]}
        for label, sent in [
            ("level", "err"),
            ("severity", "crit"),
            ("detected_level", "notice"),
            ("level", "4"),
            ("level", "50"),
            ("level", "loud"),
        ]
    ]
    response = client.post("/loki/api/v1/push", json={"streams": streams})
    assert response.status_code == 204, response.text
    logs = stored(client)
    assert [log["level"] for log in logs] == ["ERROR", "FATAL", "INFO", "WARN", "ERROR", "INFO"]
    assert [log["metadata_"] for log in logs] == [None] * 5 + [{"labels": {"level": "loud"}}]


def otlp(client: TestClient, *records: LogRecord) -> ExportLogsServiceResponse:
    request = ExportLogsServiceRequest(
        resource_logs=[ResourceLogs(scope_logs=[ScopeLogs(log_records=list(records))])]
    )
    response = client.post(
        "/v1/logs",
        content=request.SerializeToString(),
        headers={"content-type": "application/x-protobuf"},
    )
    assert response.status_code == 200, response.text
    answer: ExportLogsServiceResponse = ExportLogsServiceResponse.FromString(response.content)
    return answer


def test_otlp_reads_shippers_severity_texts_and_keeps_an_unknown_number(
    client: TestClient,
) -> None:
    body = AnyValue(string_value="m")
    warn2 = SeverityNumber.SEVERITY_NUMBER_WARN2
    beyond = SeverityNumber.ValueType(99)  # no OTel severity: the text decides, else INFO
    answer = otlp(
        client,
        LogRecord(body=body, severity_text="err"),
        LogRecord(body=body, severity_text="crit"),
        LogRecord(body=body, severity_text="INFO3"),
        LogRecord(body=body, severity_number=warn2, severity_text="notice"),
        LogRecord(body=body, severity_number=beyond, severity_text="emerg"),
        LogRecord(body=body, severity_number=beyond),
    )
    assert answer.partial_success.rejected_log_records == 0
    logs = stored(client)
    assert [log["level"] for log in logs] == ["ERROR", "FATAL", "INFO", "WARN", "FATAL", "INFO"]
    assert logs[-1]["metadata_"] == {"original_level": 99}
