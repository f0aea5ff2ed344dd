"""`POST /loki/api/v1/push`: a Loki client from PyPI, and Promtail's snappy protobuf."""

from __future__ import annotations

import logging
import uuid

import cramjam
import httpx
import logging_loki  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient

from ingest import limits
from testing.server import Server
from tests.ingest import loki_push
from tests.ingest.conftest import logs_of, stored

PUSH = "/loki/api/v1/push"
PB = "application/x-protobuf"
PROTOBUF = {"content-type": PB}
JSON_TYPE = {"content-type": "application/json"}
T0 = 1_760_000_000_000_000_000  # 2025-10-09T08:53:20Z


@pytest.mark.slow
def test_records_sent_by_python_logging_loki_arrive_mapped(server: Server) -> None:
    service = f"svc-{uuid.uuid4().hex[:12]}"
    handler = logging_loki.LokiHandler(
        url=f"{server.base_url}{PUSH}", tags={"app": service, "env": "prod"}, version="1"
    )
    logger = logging.getLogger(f"tests.loki.{service}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        logger.info("order placed")
        logger.warning("slow payment")
        logger.critical("ledger down")
    finally:
        logger.removeHandler(handler)
    logs = logs_of(server, service)
    assert [(log["level"], log["message"]) for log in logs] == [
        ("INFO", "order placed"),
        ("WARN", "slow payment"),
        ("FATAL", "ledger down"),
    ]
    assert logs[0]["metadata_"] == {"labels": {"env": "prod", "logger": logger.name}}


@pytest.mark.slow
def test_python_logging_loki_application_tag_names_the_service(server: Server) -> None:
    service = f"svc-{uuid.uuid4().hex[:12]}"
    handler = logging_loki.LokiHandler(
        url=f"{server.base_url}{PUSH}", tags={"application": service}, version="1"
    )
    logger = logging.getLogger(f"tests.loki.{service}")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.error("payment failed")
    finally:
        logger.removeHandler(handler)
    (log,) = logs_of(server, service)
    assert (log["level"], log["message"]) == ("ERROR", "payment failed")
    assert log["metadata_"] == {"labels": {"logger": logger.name}}


SERVICE_LABEL_ORDER = ["service_name", "service", "app", "application", "job", "container"]


@pytest.mark.parametrize("first", range(len(SERVICE_LABEL_ORDER)))
def test_the_service_is_the_first_service_label_present_in_the_documented_order(
    client: TestClient, first: int
) -> None:
    present = SERVICE_LABEL_ORDER[first:]
    labels = {name: f"from-{name}" for name in present}
    document = {"streams": [{"stream": labels, "values": [[str(T0), "hello"]]}]}
    assert client.post(PUSH, json=document).status_code == 204
    (log,) = stored(client)
    assert log["service"] == f"from-{present[0]}"
    rest = {name: f"from-{name}" for name in present[1:]}
    assert log["metadata_"] == ({"labels": rest} if rest else None)


def test_snappy_protobuf_as_promtail_sends_it(client: TestClient) -> None:
    body = loki_push.push_request(
        loki_push.stream(
            '{job="varlogs", level="error", host="a\\"b"}',
            loki_push.entry(T0 + 123_456_789, "disk full", {"trace_id": "abc"}),
            loki_push.entry(T0 + 1_000_000_000, "disk still full"),
        ),
        loki_push.stream('{service_name="api", app="ignored"}', loki_push.entry(T0, "hello")),
    )
    response = client.post(PUSH, content=body, headers=PROTOBUF)
    assert response.status_code == 204, response.text
    first, second, third = stored(client)
    assert (first["service"], first["level"], first["message"]) == ("varlogs", "ERROR", "disk full")
    assert first["timestamp"].startswith("2025-10-09T08:53:20.123456")
    assert first["metadata_"] == {
        "labels": {"host": 'a"b'},
        "structured_metadata": {"trace_id": "abc"},
    }
    assert second["message"] == "disk still full"
    assert (third["service"], third["level"]) == ("api", "INFO")
    assert third["metadata_"] == {"labels": {"app": "ignored"}}


def test_json_push_with_structured_metadata_and_label_precedence(client: TestClient) -> None:
    document = {
        "streams": [
            {
                "stream": {"job": "j", "service": "svc", "detected_level": "warning"},
                "values": [[str(T0), "one"], [str(T0), "two", {"user": "7"}]],
            }
        ]
    }
    assert client.post(PUSH, json=document).status_code == 204
    logs = stored(client)
    assert [(log["service"], log["level"]) for log in logs] == [("svc", "WARN")] * 2
    assert logs[1]["metadata_"] == {"labels": {"job": "j"}, "structured_metadata": {"user": "7"}}


def test_invalid_entries_are_named_and_the_valid_ones_kept_as_loki_does(
    client: TestClient,
) -> None:
    document = {"streams": [{"stream": {"app": "a"}, "values": [[str(T0), "ok"], [str(T0), "\0"]]}]}
    response = client.post(PUSH, json=document)
    assert response.status_code == 400
    assert "entry 1: message" in response.text
    assert [log["message"] for log in stored(client)] == ["ok"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"not snappy", PB, 400),
        (bytes(cramjam.snappy.compress_raw(b"\x0a\x05ab")), PB, 400),
        (loki_push.push_request(loki_push.stream("job=x")), PB, 400),
        (
            bytes(cramjam.snappy.compress_raw(b"\0" * (65 * 1024 * 1024))),
            "application/x-protobuf",
            413,
        ),
        (b"\xff\xff\xff\xff\x0f" + b"\0" * 10, PB, 413),
        (b'{"streams": [{"stream": {}, "values": [["x", "y"]]}]}', "application/json", 400),
        (b'{"streams": 1}', "application/json", 400),
        (b"{", "application/json", 400),
        (b"", "text/plain", 415),
    ],
)
def test_malformed_pushes_are_refused_in_plain_text(
    client: TestClient, body: bytes, content_type: str, status: int
) -> None:
    response = client.post(PUSH, content=body, headers={"content-type": content_type})
    assert response.status_code == status
    assert response.text.strip()
    assert stored(client) == []


@pytest.mark.slow
def test_entries_over_the_cap_are_413_before_the_rest_is_decoded(server: Server) -> None:
    """The count is checked while decoding: the malformed tail is never reached."""
    empty_entries = b"\x12\x00" * (2 * 1024 * 1024)
    stream = b'\x0a\x06{a="b"}' + empty_entries
    body = b"\x0a" + loki_push.varint(len(stream)) + stream + b"\x0a\xff"  # truncated
    response = httpx.post(
        f"{server.base_url}{PUSH}",
        content=bytes(cramjam.snappy.compress_raw(body)),
        headers=PROTOBUF,
        timeout=60,
    )
    assert (response.status_code, response.text) == (413, "at most 10000 entries per push\n")


@pytest.mark.slow
def test_a_json_push_of_too_many_values_is_413_before_it_is_parsed(server: Server) -> None:
    values = b'["1", ""],' * (limits.MAX_JSON_VALUES // 2)
    body = b'{"streams": [{"stream": {}, "values": [' + values + b"{"  # never valid JSON
    response = httpx.post(f"{server.base_url}{PUSH}", content=body, headers=JSON_TYPE, timeout=60)
    assert response.status_code == 413
    assert response.text == f"at most {limits.MAX_JSON_VALUES} JSON values per push\n"


@pytest.mark.slow
@pytest.mark.parametrize(
    "values",
    [
        b'"stream": {"app": DEEP}, "values": [["1", "l"]]',
        b'"stream": {}, "values": [["1", "l", {"t": DEEP}]]',
    ],
    ids=["labels", "metadata"],
)
def test_json_nested_deeply_in_labels_or_metadata_is_400(server: Server, values: bytes) -> None:
    deep = b"[" * 1000 + b'"x"' + b"]" * 1000
    body = b'{"streams": [{' + values.replace(b"DEEP", deep) + b"}]}"
    response = httpx.post(f"{server.base_url}{PUSH}", content=body, headers=JSON_TYPE)
    assert response.status_code == 400
    assert "nested deeper than 8 levels" in response.text
