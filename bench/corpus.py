"""The search benchmark's data: millions of logs with realistic metadata, COPYed in parallel.

Each log carries a request id shared by the few logs one request writes (`req-<hex>`), a user id
(a few heavy users, a long tail), nested HTTP details for the services that serve HTTP and job
details for the workers, and a duration. Messages come from templates over a vocabulary in which
a handful of words are rare (about one log in 400,000 each), for `messageContains` of a rare word.
One hour holds an incident: `payment-service` writes a burst of ERROR logs, so that a level +
service + one-hour filter has more than 1,000 pages of results to page through.

Rows are generated as COPY text by worker processes, each COPYing its own consecutive slice of
time (oldest first, as a log store receives them) over its own connection.
"""

from __future__ import annotations

import io
import random
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context

import psycopg2

from bench.data import LEVEL_WEIGHTS, LEVELS, SERVICE_WEIGHTS, SERVICES
from testing.database import ScratchDatabase
from testing.partitions import partitions_for

COLUMNS = "(id, timestamp, level, service, message, metadata)"
CHUNK_ROWS = 100_000
TABLE_SIZE = 1000  # entries in the lookup tables that stand in for weighted draws

BURST_SERVICE = "payment-service"
BURST_LEVEL = "ERROR"
BURST_ROWS = 60_000  # > 1,000 pages of 50, plus margin
RARE_WORDS = ("zeppelin", "quokka", "kumquat", "walrus")
RARE_RATE = 1 / 100_000  # per log, shared by the rare words
USERS = 50_000
HTTP_SERVICES = frozenset(
    {"api-gateway", "auth-service", "payment-service", "order-service", "inventory-service"}
    | {"shipping-service", "search-service", "user-service", "cart", "frontend", "cdn-edge"}
    | {"recommendation", "billing"}
)
METHODS: tuple[str, ...] = ("GET",) * 14 + ("POST",) * 4 + ("PUT", "DELETE")
STATUSES: tuple[int, ...] = (
    (200,) * 80 + (201,) * 5 + (204, 301, 304) + (400,) * 3 + (401, 403) + (404,) * 4
)
STATUSES += (409, 429, 500, 502, 503, 504)
PATHS: tuple[str, ...] = (
    "/api/v1/orders",
    "/api/v1/payments",
    "/api/v1/users",
    "/api/v1/cart",
    "/api/v1/search",
)
PATHS += ("/api/v1/inventory", "/api/v1/shipments", "/login", "/healthz", "/static/app.js")
REGIONS = ("eu-west-1", "us-east-1", "ap-south-1")
TEMPLATES = {
    "TRACE": ("entering {fn} with {k} args", "span {hex} closed after {ms} ms"),
    "DEBUG": (
        "cache miss for key user:{n}",
        "query plan for {fn} took {ms} ms",
        "resolved upstream {host} to 10.0.{k}.{k}",
    ),
    "INFO": (
        "{method} {path} {status} in {ms} ms",
        "user {n} logged in from 10.0.{k}.{k}",
        "job {n} finished, {k} items processed",
        "order {n} placed with {k} items",
        "payment {n} captured",
    ),
    "WARN": (
        "retrying upstream call to {host} (attempt {k}) after {ms} ms",
        "slow query in {fn}: {ms} ms",
        "connection pool nearly exhausted, waited {ms} ms",
    ),
    "ERROR": (
        "payment declined for order {n}: insufficient funds",
        "upstream {host} returned 503 after {ms} ms",
        "timeout calling {host} after {ms} ms",
        "failed to process job {n}: {fn} raised ValueError",
    ),
    "FATAL": ("out of memory in {fn}, shutting down", "cannot reach database after {k} attempts"),
}
FUNCTIONS = ("handle_request", "charge_card", "load_profile", "render_page", "sync_inventory")
HOSTS = ("billing.internal", "payments.stripe", "inventory.internal", "search.internal")


def _table(values: list[str], cumulative: list[float]) -> list[str]:
    """A lookup list in which each value's share matches its weight, to index at random."""
    total = cumulative[-1]
    out: list[str] = []
    for index in range(TABLE_SIZE):
        point = (index + 0.5) / TABLE_SIZE * total
        out.append(next(v for v, c in zip(values, cumulative, strict=True) if point < c))
    return out


SERVICE_TABLE = _table(SERVICES, SERVICE_WEIGHTS)
LEVEL_TABLE = _table(LEVELS, [float(weight) for weight in LEVEL_WEIGHTS])


@dataclass(frozen=True, slots=True)
class Chunk:
    """`count` logs with ids from `first_id`, spread over [start, end) (epoch seconds)."""

    first_id: int
    count: int
    start: float
    end: float
    seed: int
    burst: tuple[float, float, int] | None = None  # (start, end, rows) of incident logs inside


@dataclass(frozen=True, slots=True)
class Corpus:
    """What was loaded, for the measurements to aim at."""

    rows: int
    start: datetime
    end: datetime
    burst_start: datetime
    burst_rows: int

    @property
    def burst_end(self) -> datetime:
        return self.burst_start + timedelta(hours=1)


def plan_chunks(
    rows: int, start: datetime, end: datetime, *, first_id: int = 1
) -> tuple[list[Chunk], Corpus]:
    """Slices of time, oldest first, with the incident hour's burst in the slice holding it."""
    # The incident: an hour-aligned hour ten days before the end (none in a shorter window).
    burst_start = (end - timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    burst_rows = min(BURST_ROWS, rows // 10) if start <= burst_start else 0
    base_rows = rows - burst_rows
    burst = (burst_start.timestamp(), burst_start.timestamp() + 3600.0)
    count = max(1, -(-base_rows // CHUNK_ROWS))
    t0, t1 = start.timestamp(), end.timestamp()
    step = (t1 - t0) / count
    chunks, next_id = [], first_id
    for index in range(count):
        lo, hi = t0 + step * index, t0 + step * (index + 1)
        base = base_rows * (index + 1) // count - base_rows * index // count
        extra = burst_rows if lo <= burst[0] < hi else 0
        chunk = Chunk(next_id, base + extra, lo, hi, seed=8000 + index)
        if extra:
            chunk = Chunk(next_id, base + extra, lo, hi, 8000 + index, (*burst, extra))
        chunks.append(chunk)
        next_id += base + extra
    return chunks, Corpus(rows, start, end, burst_start, burst_rows)


class _Clock:
    """COPY text for instants, formatting each whole second once (rows come in time order)."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def text(self, instant: float) -> str:
        second = int(instant)
        if second != self._second:
            self._second = second
            self._prefix = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(second))
        return f"{self._prefix}.{int((instant - second) * 1_000_000):06d}+00"


def chunk_text(chunk: Chunk) -> str:
    """The chunk's rows in COPY text format, oldest first."""
    rng = random.Random(chunk.seed)
    rand, bits = rng.random, rng.getrandbits
    base = chunk.count - (chunk.burst[2] if chunk.burst else 0)
    span = chunk.end - chunk.start
    events = [(chunk.start + span * rand(), False) for _ in range(base)]
    if chunk.burst:
        b0, b1, extra = chunk.burst
        events += [(b0 + (b1 - b0) * rand(), True) for _ in range(extra)]
    events.sort()
    clock, lines = _Clock(), []
    request = f"req-{bits(48):012x}"
    for offset, (instant, incident) in enumerate(events):
        if incident:
            service, level = BURST_SERVICE, BURST_LEVEL
        else:
            service = SERVICE_TABLE[int(rand() * TABLE_SIZE)]
            level = LEVEL_TABLE[int(rand() * TABLE_SIZE)]
        if rand() < 0.6:  # most requests write more than one log
            request = f"req-{bits(48):012x}"
        ms = int(rng.expovariate(1 / 80))
        user = int(USERS ** rand())
        n, k = bits(20), 1 + int(rand() * 9)
        method, path = METHODS[int(rand() * len(METHODS))], PATHS[int(rand() * len(PATHS))]
        status = STATUSES[int(rand() * len(STATUSES))]
        templates = TEMPLATES[level]
        message = templates[int(rand() * len(templates))].format(
            n=n,
            k=k,
            ms=ms,
            hex=f"{bits(32):08x}",
            fn=FUNCTIONS[n % len(FUNCTIONS)],
            host=HOSTS[n % len(HOSTS)],
            method=method,
            path=path,
            status=status,
        )
        if rand() < RARE_RATE:
            message += f" (saw {RARE_WORDS[int(rand() * len(RARE_WORDS))]} in payload)"
        region = REGIONS[n % len(REGIONS)]
        if service in HTTP_SERVICES:
            detail = f'"http":{{"method":"{method}","status":{status},"path":"{path}/{n}"}}'
        else:
            detail = f'"job":{{"id":{n},"attempt":{k},"queue":"{service}"}}'
        metadata = (
            f'{{"request_id":"{request}","user":{{"id":"u-{user}","plan":'
            f'"{"pro" if user % 7 == 0 else "free"}"}},{detail},"duration_ms":{ms},'
            f'"region":"{region}"}}'
        )
        lines.append(
            f"{chunk.first_id + offset}\t{clock.text(instant)}\t{level}\t{service}\t"
            f"{message}\t{metadata}\n"
        )
    return "".join(lines)


CONNECT_PATIENCE_S = 300.0


def connect_patiently(dsn: str) -> psycopg2.extensions.connection:
    """A connection, waiting while the server refuses for want of free slots: on a machine
    shared with other suites a 10M-row load opens 100 connections, one a chunk, and a single
    "too many clients" lost a whole load (twice on 2026-12-07)."""
    deadline = time.monotonic() + CONNECT_PATIENCE_S
    while True:
        try:
            return psycopg2.connect(dsn)
        except psycopg2.OperationalError as error:
            if "too many clients" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(1.0)


def _copy_chunk(job: tuple[str, Chunk]) -> int:
    dsn, chunk = job
    text = chunk_text(chunk)
    with closing(connect_patiently(dsn)) as connection, connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.copy_expert(f"COPY logs {COLUMNS} FROM STDIN", io.StringIO(text))
        connection.commit()
    return chunk.count


def copy_chunks(dsn: str, chunks: list[Chunk], *, processes: int) -> Iterator[int]:
    """COPY every chunk, `processes` at a time; yields each chunk's row count as it lands."""
    if processes <= 1:
        for chunk in chunks:
            yield _copy_chunk((dsn, chunk))
        return
    with get_context("fork").Pool(processes, initializer=_worker_signals) as pool:
        yield from pool.imap(_copy_chunk, [(dsn, chunk) for chunk in chunks])
        pool.close()
        pool.join()


def _worker_signals() -> None:
    """Workers leave Ctrl-C and SIGTERM to the parent, which stops the pool on its way out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def utc(instant: float) -> datetime:
    return datetime.fromtimestamp(instant, UTC)


@dataclass(frozen=True, slots=True)
class LoadReport:
    rows: int
    copy_s: float
    index_s: float
    vacuum_s: float
    rebuilt: tuple[str, ...]  # index definitions dropped before COPY and recreated after


def secondary_indexes(cursor: psycopg2.extensions.cursor) -> list[tuple[str, str]]:
    """(name, definition) of the indexes on `logs` that back no constraint."""
    cursor.execute(
        """SELECT indexname, indexdef FROM pg_indexes
           WHERE schemaname = current_schema() AND tablename = 'logs'
             AND indexname NOT IN (SELECT conname FROM pg_constraint
                                   WHERE conrelid = 'logs'::regclass)
           ORDER BY indexname"""
    )
    # A partitioned table's definitions read `ON ONLY logs`, which would build an invalid index
    # on the parent alone; `ON logs` builds it on every partition too.
    return [
        (str(name), str(definition).replace(" ON ONLY ", " ON ", 1))
        for name, definition in cursor.fetchall()
    ]


def _heaps(cursor: psycopg2.extensions.cursor) -> list[str]:
    """The tables holding the rows of `logs`: its partitions, or itself when it has none."""
    cursor.execute(
        "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'logs'::regclass"
    )
    return [str(name) for (name,) in cursor.fetchall()] or ["logs"]


def load_recent(
    database: ScratchDatabase,
    rows: int,
    *,
    end: datetime,
    days: int,
    progress: Callable[[str], None],
) -> LoadReport:
    """Fill the empty `logs` with `rows` logs over the `days` before `end`, into the partitions
    the app would have made for them: two COPY processes, indexes rebuilt afterwards."""
    start = end - timedelta(days=days)
    partitions_for(database.sqlalchemy_url, start, end)
    _, report = load(
        database.dsn, rows, start, end, processes=2, rebuild_indexes=True, progress=progress
    )
    return report


def load(
    dsn: str,
    rows: int,
    start: datetime,
    end: datetime,
    *,
    processes: int,
    rebuild_indexes: bool,
    progress: Callable[[str], None],
) -> tuple[Corpus, LoadReport]:
    """Fill the empty `logs` with `rows` logs, then VACUUM ANALYZE.

    With `rebuild_indexes`, the secondary indexes are dropped first and built again after the
    COPY (two at a time), which is usually faster than maintaining them row by row.
    """
    chunks, corpus = plan_chunks(rows, start, end)
    with closing(psycopg2.connect(dsn)) as connection, connection.cursor() as cursor:
        connection.autocommit = True
        for table in _heaps(cursor):
            cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        dropped = secondary_indexes(cursor) if rebuild_indexes else []
        for name, _ in dropped:
            cursor.execute(f'DROP INDEX "{name}"')
        started, done = time.perf_counter(), 0
        for count in copy_chunks(dsn, chunks, processes=processes):
            done += count
            if done * 10 // rows != (done - count) * 10 // rows:
                progress(f"  {done:,} rows COPYed ({time.perf_counter() - started:.0f} s)")
        copied = time.perf_counter()
        _create_indexes(dsn, [definition for _, definition in dropped], processes=processes)
        indexed = time.perf_counter()
        cursor.execute("SELECT setval(pg_get_serial_sequence('logs', 'id'), max(id)) FROM logs")
        for table in _heaps(cursor):
            cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
        cursor.execute("VACUUM (ANALYZE) logs")
        cursor.execute("ANALYZE log_counts")
        vacuumed = time.perf_counter()
    report = LoadReport(
        rows,
        copied - started,
        indexed - copied,
        vacuumed - indexed,
        tuple(definition for _, definition in dropped),
    )
    return corpus, report


def _create_index(job: tuple[str, str]) -> None:
    dsn, definition = job
    with closing(psycopg2.connect(dsn)) as connection, connection.cursor() as cursor:
        connection.autocommit = True
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute(definition)


def _create_indexes(dsn: str, definitions: list[str], *, processes: int) -> None:
    if not definitions:
        return
    with ThreadPoolExecutor(max(1, processes)) as pool:  # libpq waits release the GIL
        list(pool.map(_create_index, [(dsn, definition) for definition in definitions]))
