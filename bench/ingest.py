"""The ingest protocols against raw COPY on PostgreSQL: `python -m bench.ingest [--quick]`.

(a) raw psycopg2 COPY into a table shaped like `logs`, in one transaction; (n) NDJSON at 10,000
lines per request and (o) OTLP protobuf at 1,000 records per request, each sequential on one
worker; (r) the server's RSS growth while it ingests one large NDJSON body, streamed.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial

import httpx
import orjson
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from bench.data import LIVE_SPAN, SPAN, LogFactory, Window
from bench.fill import copy_ceiling
from testing.database import ScratchDatabase, scratch_database
from testing.server import Server, running_server

NDJSON_LINES = 10_000
OTLP_RECORDS = 1_000
NDJSON_TYPE = "application/x-ndjson"
OTLP_TYPE = "application/x-protobuf"
SEVERITY = {"TRACE": 1, "DEBUG": 5, "INFO": 9, "WARN": 13, "ERROR": 17, "FATAL": 21}


def ndjson_body(factory: LogFactory, lines: int) -> bytes:
    return b"".join(orjson.dumps(record) + b"\n" for record in factory.records(lines))


def otlp_body(factory: LogFactory, count: int) -> bytes:
    """One ExportLogsServiceRequest per service, as an SDK per process would send."""
    by_service: dict[str, list[LogRecord]] = {}
    for record in factory.records(count):
        nanos = int(datetime.fromisoformat(record["timestamp"]).timestamp() * 1e9)
        attributes = [
            KeyValue(key=key, value=_any(value)) for key, value in record["metadata"].items()
        ]
        by_service.setdefault(record["service"], []).append(
            LogRecord(
                time_unix_nano=nanos,
                severity_number=SEVERITY[record["level"]],  # type: ignore[arg-type]
                body=AnyValue(string_value=record["message"]),
                attributes=attributes,
            )
        )
    message = ExportLogsServiceRequest(
        resource_logs=[
            ResourceLogs(
                resource=Resource(attributes=[KeyValue(key="service.name", value=_any(service))]),
                scope_logs=[ScopeLogs(log_records=records)],
            )
            for service, records in by_service.items()
        ]
    )
    encoded: bytes = message.SerializeToString()
    return encoded


def _any(value: object) -> AnyValue:
    if isinstance(value, int):
        return AnyValue(int_value=value)
    return AnyValue(string_value=str(value))


def rate(server: Server, path: str, bodies: list[bytes], *, content_type: str, per: int) -> float:
    """Logs/s of the bodies posted one after another."""
    with httpx.Client(base_url=server.base_url, timeout=120) as client:
        started = time.perf_counter()
        for body in bodies:
            response = client.post(path, content=body, headers={"content-type": content_type})
            if response.status_code not in (200, 204):
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
        return per * len(bodies) / (time.perf_counter() - started)


def rss_growth(
    server: Server, *, total_bytes: int, factory: LogFactory
) -> tuple[float, int, float]:
    """(MB the server's RSS grew at most, lines accepted, seconds) for one streamed body."""
    block = ndjson_body(factory, 4_000)
    repeats = max(1, total_bytes // len(block))
    baseline = _rss_mb(server.pid)
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss_mb(server.pid))
            time.sleep(0.2)

    def body() -> Iterator[bytes]:
        for _ in range(repeats):
            yield block

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    try:
        response = httpx.post(
            f"{server.base_url}/ingest/ndjson",
            content=body(),
            headers={"content-type": "application/x-ndjson"},
            timeout=3600,
        )
    finally:
        done.set()
        sampler.join()
    accepted = int(response.json()["accepted"])
    return peak - baseline, accepted, time.perf_counter() - started


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer requests, a 128 MiB body")
    parser.add_argument(
        "--body-mib", type=int, help="size of the streamed body (default 1024; 0 skips)"
    )
    parser.add_argument(
        "--live", action="store_true", help="logs stamped within the last minute (default: 30 days)"
    )
    arguments = parser.parse_args()
    requests, rounds = (5, 3) if arguments.quick else (10, 5)
    mib = (
        arguments.body_mib if arguments.body_mib is not None else (128 if arguments.quick else 1024)
    )
    factory = LogFactory(Window.ending_now(LIVE_SPAN if arguments.live else SPAN), seed=7)
    with (
        scratch_database("lograph_bench_ingest") as database,
        running_server(database_url=database.sqlalchemy_url) as server,  # migrates it
    ):
        ndjson = [ndjson_body(factory, NDJSON_LINES) for _ in range(requests)]
        otlp = [otlp_body(factory, OTLP_RECORDS) for _ in range(requests * 5)]
        post_ndjson = partial(rate, server, "/ingest/ndjson", content_type=NDJSON_TYPE)
        post_otlp = partial(rate, server, "/v1/logs", content_type=OTLP_TYPE)
        post_ndjson(ndjson[:1], per=NDJSON_LINES)  # warm-up
        measured = [
            _round(database, factory, post_ndjson, post_otlp, ndjson, otlp) for _ in range(rounds)
        ]
        rss = rss_growth(server, total_bytes=mib * 2**20, factory=factory) if mib else None
    spread = "the last minute" if arguments.live else "30 days"
    print(
        f"Logs stamped over {spread}; {rounds} rounds, each measuring (a), (n) and (o) in turn.\n"
    )
    print("| | what | logs/s (median) | share of (a), median | shares per round | target |")
    print("|---|---|---:|---:|---|---|")
    ceilings = [ceiling for ceiling, _, _ in measured]
    print(_row("(a)", "raw COPY, one transaction, 100,000 rows", ceilings, ceilings, ""))
    ndjsons = [nd for _, nd, _ in measured]
    print(_row("(n)", f"NDJSON, {NDJSON_LINES:,} lines/request", ndjsons, ceilings, ">= 50%"))
    otlps = [ot for _, _, ot in measured]
    print(
        _row("(o)", f"OTLP protobuf, {OTLP_RECORDS:,} records/request", otlps, ceilings, ">= 40%")
    )
    if rss is not None:
        grown, accepted, seconds = rss
        print(
            f"\n(r) one {mib:,} MiB NDJSON body: {accepted:,} lines in {seconds:,.1f} s "
            f"({accepted / seconds:,.0f} logs/s); the server's RSS grew at most {grown:,.1f} MB "
            "(target < 150 MB)"
        )


def _round(
    database: ScratchDatabase,
    factory: LogFactory,
    post_ndjson: Callable[..., float],
    post_otlp: Callable[..., float],
    ndjson: list[bytes],
    otlp: list[bytes],
) -> tuple[float, float, float]:
    """The ceiling and both protocols one after another, so load from elsewhere hits all three."""
    ceiling = copy_ceiling(database, factory, rows=100_000, repeats=1)[0]
    return (
        ceiling,
        post_ndjson(ndjson, per=NDJSON_LINES),
        post_otlp(otlp, per=OTLP_RECORDS),
    )


def _row(key: str, what: str, values: list[float], ceilings: list[float], target: str) -> str:
    shares = [100 * value / ceiling for value, ceiling in zip(values, ceilings, strict=True)]
    listed = " / ".join(f"{share:.1f}%" for share in shares)
    return (
        f"| {key} | {what} | {statistics.median(values):,.0f} | {statistics.median(shares):.1f}% "
        f"| {listed} | {target} |"
    )


if __name__ == "__main__":
    main()
