"""Patterns through a running server: assignment delay, ingest with mining on and off, reads."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from bench.data import rest_record
from bench.ingest import NDJSON_TYPE, rate
from bench.pattern_data import corpus_records
from testing.database import ScratchDatabase
from testing.server import Server, production_options, running_servers

BULK = 1000  # logs per REST bulk request
JSON = "application/json"


@contextmanager
def server(database: ScratchDatabase, *, mining: bool) -> Iterator[Server]:
    """One app process as production runs it, mining or not."""
    env = {
        "DATABASE_URL": database.sqlalchemy_url,
        "ENABLE_ALERTS": "false",
        "ENABLE_PATTERNS": "true" if mining else "false",
    }
    with running_servers(1, env=env, options=production_options()) as (started,):
        yield started


def bulk_bodies(count: int, *, seed: int) -> list[bytes]:
    """REST bulk bodies of BULK corpus logs each, stamped over the last minute."""
    end = datetime.now(UTC)
    records = corpus_records(count * BULK, start=end - timedelta(minutes=1), end=end, seed=seed)
    return [
        orjson.dumps([rest_record(one) for one in records[n : n + BULK]])
        for n in range(0, len(records), BULK)
    ]


def ndjson_bodies(count: int, lines: int, *, seed: int) -> list[bytes]:
    end = datetime.now(UTC)
    records = corpus_records(count * lines, start=end - timedelta(minutes=1), end=end, seed=seed)
    return [
        b"".join(orjson.dumps(one) + b"\n" for one in records[n : n + lines])
        for n in range(0, len(records), lines)
    ]


def ingest_rates(
    server: Server, bulks: list[bytes], ndjsons: list[bytes], lines: int
) -> tuple[float, float]:
    """(REST bulk, NDJSON) logs/s, each posted one request after another."""
    bulk = rate(server, "/api/v1/bulk_logs/", bulks, content_type=JSON, per=BULK)
    ndjson = rate(server, "/ingest/ndjson", ndjsons, content_type=NDJSON_TYPE, per=lines)
    return bulk, ndjson


def unassigned(database: ScratchDatabase) -> int:
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM logs l WHERE NOT EXISTS"
            " (SELECT 1 FROM log_patterns a WHERE a.log_id = l.id)"
        )
        return int(cursor.fetchone()[0])


def wait_until_mined(database: ScratchDatabase, *, timeout_s: float = 600) -> None:
    deadline = time.monotonic() + timeout_s
    while unassigned(database) and time.monotonic() < deadline:
        time.sleep(0.5)


class DelayProbe:
    """Writes paced REST bulk requests and watches when each one's logs all got a pattern."""

    def __init__(self, server: Server, database: ScratchDatabase, bodies: list[bytes]) -> None:
        self._server = server
        self._database = database
        self._bodies = bodies
        self._written: list[tuple[int, int, float]] = []  # (first id, last id, written at)
        self._assigned: dict[int, float] = {}  # batch index -> when its last log was assigned
        self._lock = threading.Lock()

    def run(self, *, rate_per_s: float, writers: int = 2) -> tuple[float, list[float]]:
        """(the write rate reached, each batch's delay in seconds)."""
        share = [self._bodies[n::writers] for n in range(writers)]
        threads = [
            threading.Thread(target=self._write, args=(mine, rate_per_s / writers))
            for mine in share
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        watcher = threading.Thread(target=self._watch, args=(threads,))
        watcher.start()
        for thread in threads:
            thread.join()
        reached = len(self._bodies) * BULK / (time.perf_counter() - started)
        watcher.join()
        return reached, [self._assigned[n] - at for n, (_a, _b, at) in enumerate(self._written)]

    def _write(self, bodies: list[bytes], rate_per_s: float) -> None:
        period = BULK / rate_per_s
        with httpx.Client(base_url=self._server.base_url, timeout=60) as client:
            next_at = time.perf_counter()
            for body in bodies:
                time.sleep(max(0.0, next_at - time.perf_counter()))
                next_at += period
                answer = client.post(
                    "/api/v1/bulk_logs/", content=body, headers={"content-type": JSON}
                )
                answer.raise_for_status()
                ids = [one["id"] for one in answer.json()]
                with self._lock:
                    self._written.append((min(ids), max(ids), time.perf_counter()))

    def _watch(self, writers: list[threading.Thread]) -> None:
        with closing(self._database.connect()) as connection, connection.cursor() as cursor:
            connection.autocommit = True
            while any(t.is_alive() for t in writers) or len(self._assigned) < len(self._written):
                with self._lock:
                    waiting = [
                        (n, lo, hi)
                        for n, (lo, hi, _at) in enumerate(self._written)
                        if n not in self._assigned
                    ]
                if waiting:
                    cursor.execute(
                        "SELECT r.n FROM (VALUES "
                        + ",".join(["(%s,%s,%s)"] * len(waiting))
                        + ") AS r(n, lo, hi)"
                        " WHERE (SELECT count(*) FROM log_patterns a"
                        " WHERE a.log_id BETWEEN r.lo AND r.hi) = r.hi - r.lo + 1",
                        [value for row in waiting for value in row],
                    )
                    now = time.perf_counter()
                    for (n,) in cursor.fetchall():
                        self._assigned[n] = now
                time.sleep(0.1)


def p50_ms(server: Server, document: str, variables: dict[str, Any], *, runs: int = 20) -> float:
    """The median latency of a GraphQL query, after three warm-up runs."""
    body = orjson.dumps({"query": document, "variables": variables})
    times = []
    with httpx.Client(base_url=server.base_url, timeout=120) as client:
        for run in range(runs + 3):
            started = time.perf_counter()
            answer = client.post("/graphql", content=body, headers={"content-type": JSON})
            elapsed = time.perf_counter() - started
            found = answer.json()
            if "errors" in found:
                raise RuntimeError(str(found["errors"])[:300])
            if run >= 3:
                times.append(elapsed * 1000)
    return statistics.median(times)
