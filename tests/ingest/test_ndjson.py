"""`POST /ingest/ndjson`: streamed lines, partial and atomic, gzip, line-numbered rejections."""

from __future__ import annotations

import gzip
import uuid
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient

from ingest import limits
from testing.server import Server
from tests.ingest.conftest import logs_of, stored

NDJSON = {"content-type": "application/x-ndjson"}


def line(**overrides: Any) -> bytes:
    body: dict[str, Any] = {
        "level": "INFO",
        "service": "checkout",
        "message": "paid",
        "timestamp": "2025-10-09T12:00:00Z",
    }
    body.update(overrides)
    return orjson.dumps({key: value for key, value in body.items() if value is not ...})


def post(client: TestClient, body: bytes, **params: Any) -> Any:
    return client.post("/ingest/ndjson", content=body, headers=NDJSON, params=params)


def test_every_valid_line_is_written_in_order(client: TestClient) -> None:
    body = b"\n".join(line(message=f"m{i}") for i in range(7)) + b"\n"
    response = post(client, body)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 7, "rejected": [], "rejectedCount": 0}
    assert [log["message"] for log in stored(client)] == [f"m{i}" for i in range(7)]


def test_levels_read_as_the_rest_api_reads_them_and_metadata_under_either_name(
    client: TestClient,
) -> None:
    body = b"\n".join(
        [
            line(level="warning", metadata={"a": 1}),
            line(level="Critical", metadata_={"b": 2}),
            line(level="error", timestamp=...),
        ]
    )
    assert post(client, body).json()["accepted"] == 3
    logs = stored(client)
    assert [log["level"] for log in logs] == ["WARN", "FATAL", "ERROR"]
    assert [log["metadata_"] for log in logs] == [{"a": 1}, {"b": 2}, None]


def test_bad_lines_are_reported_by_line_number_and_skipped(client: TestClient) -> None:
    body = b"\n".join(
        [
            line(message="first"),
            b"",  # blank lines are ignored but still counted, as editors count them
            b"{not json",
            line(level=["ERROR"]),
            line(service=""),
            b"[1, 2]",
            line(timestamp="yesterday"),
            line(message=...),
            line(message="last"),
        ]
    )
    answer = post(client, body).json()
    assert answer["accepted"] == 2
    assert answer["rejectedCount"] == 6
    rejected = {item["line"]: item.get("field") for item in answer["rejected"]}
    assert rejected == {3: None, 4: "level", 5: "service", 6: None, 7: "timestamp", 8: "message"}
    assert all(item["message"] for item in answer["rejected"])
    assert [log["message"] for log in stored(client)] == ["first", "last"]


def test_atomic_mode_writes_nothing_when_one_line_fails(client: TestClient) -> None:
    body = b"\n".join([line(), line(), line(service=""), line()])
    response = post(client, body, atomic="true")
    assert response.status_code == 422
    assert response.json()["accepted"] == 0
    assert response.json()["rejected"][0]["line"] == 3
    assert stored(client) == []


def test_atomic_mode_writes_all_when_all_are_valid(client: TestClient) -> None:
    response = post(client, b"\n".join(line() for _ in range(20)), atomic="true")
    assert (response.status_code, response.json()["accepted"]) == (200, 20)
    assert len(stored(client)) == 20


def test_gzip_bodies_are_inflated(client: TestClient) -> None:
    body = gzip.compress(b"\n".join(line(message=f"z{i}") for i in range(3)))
    response = client.post(
        "/ingest/ndjson", content=body, headers={**NDJSON, "content-encoding": "gzip"}
    )
    assert response.json()["accepted"] == 3


@pytest.mark.slow
def test_more_lines_than_one_copy_chunk_are_all_written(client: TestClient) -> None:
    count = 12_345
    body = b"\n".join(line(message=f"n{i}") for i in range(count))
    assert post(client, body).json() == {"accepted": count, "rejected": [], "rejectedCount": 0}
    total = client.get("/api/v1/stats/").json()["total_logs"]
    assert total == count


def test_only_the_first_thousand_rejections_are_listed_but_all_are_counted(
    client: TestClient,
) -> None:
    answer = post(client, b"\n".join(b"{" for _ in range(1500))).json()
    assert (answer["rejectedCount"], len(answer["rejected"])) == (1500, 1000)
    assert answer["rejected"][-1]["line"] == 1000


def test_a_line_over_the_limit_is_rejected_without_being_held(client: TestClient) -> None:
    huge = line(message="x" * (1024 * 1024 + 10))
    answer = post(client, b"\n".join([line(), huge, line()])).json()
    assert answer["accepted"] == 2
    assert answer["rejected"] == [{"line": 2, "message": "line longer than 1048576 bytes"}]


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"x", {"content-type": "application/json"}, 415),
        (b"x", {**NDJSON, "content-encoding": "br"}, 415),
        (b"not gzip at all", {**NDJSON, "content-encoding": "gzip"}, 400),
        (gzip.compress(b"\n" * 100, mtime=0)[:-8], {**NDJSON, "content-encoding": "gzip"}, 400),
    ],
    ids=["json", "brotli", "not-gzip", "truncated-gzip"],  # the same in every xdist worker
)
def test_refusals_name_the_problem(
    client: TestClient, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = client.post("/ingest/ndjson", content=body, headers=headers)
    assert response.status_code == status
    assert response.json()["detail"]


@pytest.mark.slow
def test_a_gzip_bomb_in_atomic_mode_is_413_and_writes_nothing(client: TestClient) -> None:
    bomb = gzip.compress(line() + b"\n" + b" " * (80 * 1024 * 1024))
    response = client.post(
        "/ingest/ndjson",
        content=bomb,
        headers={**NDJSON, "content-encoding": "gzip"},
        params={"atomic": "true"},
    )
    assert response.status_code == 413
    assert stored(client) == []


# Writing 22,500 lines may wait on a busy machine: the database's limits are generous here, so
# that a slow write is not answered 503 (what is checked is the count of the lines kept).
PATIENT = {
    "enable_alerts": False,
    "enable_patterns": False,
    "statement_timeout_seconds": 120.0,
    "database_pool_timeout_seconds": 120.0,
}


@pytest.mark.slow
@pytest.mark.parametrize("settings_overrides", [PATIENT], ids=["patient"])
def test_a_partial_request_failing_midway_says_how_many_lines_it_kept(client: TestClient) -> None:
    whole = gzip.compress(b"\n".join(line(message=f"k{i}") for i in range(25_000)))
    response = client.post(
        "/ingest/ndjson",
        content=whole[: len(whole) * 9 // 10],
        headers={**NDJSON, "content-encoding": "gzip"},
    )
    assert response.status_code == 400
    kept = client.get("/api/v1/stats/").json()["total_logs"]
    assert response.json()["accepted"] == kept >= 10_000


def ndjson_gzip(server: Server, parts: list[bytes]) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/ingest/ndjson",
        content=gzip.compress(b"".join(parts)),
        headers={**NDJSON, "content-encoding": "gzip"},
        timeout=120,
    )


@pytest.mark.slow
def test_a_stream_of_rejected_lines_stops_early_saying_what_was_written(server: Server) -> None:
    service = f"svc-{uuid.uuid4().hex[:12]}"
    valid = line(service=service) + b"\n"
    cap = limits.NDJSON_MAX_REJECTED_LINES
    response = ndjson_gzip(server, [valid * 3, b"{}\n" * (cap * 50), valid])
    assert response.status_code == 422
    answer = response.json()
    assert answer["accepted"] == 3
    assert answer["detail"] == (
        f"stopped at line {cap + 4}: more than {cap} lines rejected; "
        "the lines before it were processed"
    )
    assert len(logs_of(server, service)) == 3


@pytest.mark.slow
def test_a_flood_of_blank_lines_stops_early_saying_what_was_written(server: Server) -> None:
    service = f"svc-{uuid.uuid4().hex[:12]}"
    valid = line(service=service) + b"\n"
    cap = limits.NDJSON_MAX_BLANK_LINES
    response = ndjson_gzip(server, [valid, b"\n" * (cap * 20), valid])
    assert response.status_code == 422
    assert response.json()["accepted"] == 1
    assert f"more than {cap} blank lines" in response.json()["detail"]
    assert len(logs_of(server, service)) == 1
