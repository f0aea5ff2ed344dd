"""The partitioned log table (issue 23): `python -m bench.partitions [--rows N] [--days D]`.

Two scratch databases: one migrated to head (partitioned `logs`), one stopped at 0016 (the
table before partitioning). The partitioned one is filled with N logs over D days (COPY), then:
planning time of a one-hour query with every partition present; retention passes that each
drop one day (`Retention.apply`, as `applyRetention` runs it), and beside them DELETEs of days
of the same size, for the record; the longest wait of writers writing at full rate while those
passes run; and the bulk write path (ids drawn, then COPY with the rollup triggers) into both
databases, 1,000-log batches, in `--pairs` pairs whose first run alternates between the two,
each run after a CHECKPOINT, so that neither pays for the fill's or the other's dirty pages.
Drops both databases at the end, but the one `--database` names (the retention passes and
DELETEs leave it a few days shorter).
"""

from __future__ import annotations

import argparse
import io
import os
import threading
import time
from collections.abc import Sequence
from contextlib import ExitStack, closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench.cpu import process_cpu_seconds
from bench.data import LogFactory, Window, copy_buffer
from bench.fill import fill_logs, partition_count
from bench.report import Metric, markdown_table
from bench.stats import median
from testing.database import ScratchDatabase, kept_database, scratch_database
from testing.partitions import migrate_to, partitions_for
from testing.server import Server, running_server

HOUR_QUERY = (
    "EXPLAIN (SUMMARY, FORMAT JSON) SELECT id, timestamp, level, service, message, metadata"
    " FROM logs WHERE timestamp >= %(start)s AND timestamp < %(end)s"
    " ORDER BY timestamp DESC, id DESC LIMIT 50"
)
BATCH = 1_000
RULE = 'mutation { upsertRetentionRule(input: {name: "bench", days: %d}) { name } }'


def progress(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def planning_ms(database: ScratchDatabase, window: Window, *, repeats: int = 30) -> list[float]:
    """Planning time of a one-hour page at hours spread over the window."""
    times: list[float] = []
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        for index in range(repeats):
            start = window.start + (window.end - window.start) * (index + 0.5) / repeats
            cursor.execute(HOUR_QUERY, {"start": start, "end": start + timedelta(hours=1)})
            times.append(float(cursor.fetchone()[0][0]["Planning Time"]))
    return times


class Writers:
    """Threads writing 10 logs at a time through the app's REST bulk route at full rate, each
    write timed."""

    def __init__(self, server: Server, *, threads: int = 2) -> None:
        self._url = f"{server.base_url}/api/v1/bulk_logs/"
        self._stop = threading.Event()
        self.waits: list[float] = []
        self._threads = [threading.Thread(target=self._write) for _ in range(threads)]

    def __enter__(self) -> Writers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _write(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                body = [{"level": "INFO", "service": "writer", "message": "m"}] * 10
                started = time.perf_counter()
                client.post(self._url, json=body).raise_for_status()
                self.waits.append(time.perf_counter() - started)


def graphql(server: Server, query: str) -> dict[str, Any]:
    answer = httpx.post(f"{server.base_url}/graphql", json={"query": query}, timeout=120).json()
    if "errors" in answer:
        raise RuntimeError(answer["errors"])
    return dict(answer["data"])


def retention_passes(
    server: Server, *, days: int, passes: int
) -> tuple[list[float], list[int], list[float]]:
    """`applyRetention` passes that each expire one more day (a rule for every log keeps one
    day fewer each time): seconds, partitions dropped, and the waits of the writers meanwhile."""
    seconds: list[float] = []
    dropped: list[int] = []
    with Writers(server) as writers:
        time.sleep(1.0)
        for index in range(passes):
            keep = days - 1 - index
            graphql(server, RULE % keep)
            started = time.perf_counter()
            run = graphql(server, "mutation { applyRetention { droppedPartitions } }")
            seconds.append(time.perf_counter() - started)
            dropped.append(int(run["applyRetention"]["droppedPartitions"]))
    return seconds, dropped, writers.waits


def deletes(database: ScratchDatabase, *, days_ago: Sequence[int]) -> list[tuple[float, int]]:
    """DELETE of whole UTC days, one statement each: (seconds, rows)."""
    results = []
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        for ago in days_ago:
            start = today - timedelta(days=ago)
            started = time.perf_counter()
            cursor.execute(
                "DELETE FROM logs WHERE timestamp >= %s AND timestamp < %s",
                (start, start + timedelta(days=1)),
            )
            connection.commit()
            results.append((time.perf_counter() - started, cursor.rowcount))
    return results


@dataclass(frozen=True, slots=True)
class BulkRun:
    """One run of the bulk write path: its rate, and the CPU its backend spent per log."""

    rate: float
    cpu_per_log: float


def bulk_run(database: ScratchDatabase, records: list[dict[str, object]]) -> BulkRun:
    """The bulk write path's SQL: ids from the sequence, then COPY, per batch. The backend's
    CPU time is the database's work alone, which other work on a shared machine stretches
    less than the wall clock."""
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        connection.autocommit = True
        cursor.execute("CHECKPOINT")
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])
        connection.autocommit = False
        cpu = process_cpu_seconds(backend)
        started = time.perf_counter()
        for at in range(0, len(records), BATCH):
            batch = records[at : at + BATCH]
            cursor.execute(
                "SELECT nextval('logs_id_seq') FROM generate_series(1, %s)", (len(batch),)
            )
            first = int(cursor.fetchone()[0])
            cursor.copy_expert(
                "COPY logs (id, timestamp, level, service, message, metadata) FROM STDIN",
                io.StringIO(copy_buffer(batch, first_id=first).getvalue()),
            )
            connection.commit()
        seconds = time.perf_counter() - started
        return BulkRun(len(records) / seconds, (process_cpu_seconds(backend) - cpu) / len(records))


def ingest_ratios(
    partitioned: ScratchDatabase, plain: ScratchDatabase, *, pairs: int
) -> list[tuple[BulkRun, BulkRun]]:
    """(partitioned, one table) runs of the same logs, the first of each pair alternating."""
    end = datetime.now(UTC)
    records = LogFactory(Window(end - timedelta(hours=1), end), seed=7).records(50_000)
    runs: list[tuple[BulkRun, BulkRun]] = []
    for index in range(pairs):
        if index % 2 == 0:
            ours = bulk_run(partitioned, records)
            runs.append((ours, bulk_run(plain, records)))
        else:
            theirs = bulk_run(plain, records)
            runs.append((bulk_run(partitioned, records), theirs))
    return runs


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.partitions", description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=7, help="bulk write runs per table")
    parser.add_argument(
        "--database",
        help="fill this database (created if missing) up to --rows and keep it; one another "
        "bench loaded (bench.query --database) is measured as it is",
    )
    args = parser.parse_args(argv)
    end = datetime.now(UTC)
    window = Window(end - timedelta(days=args.days), end)
    metrics: list[Metric] = []
    with ExitStack() as stack:
        if args.database is None:
            database = stack.enter_context(scratch_database("bench_partitions"))
        else:
            database = kept_database(args.database)
        plain = stack.enter_context(scratch_database("bench_plain"))
        partitions_for(database.sqlalchemy_url, window.start, window.end)
        migrate_to(plain.sqlalchemy_url, "0016")
        progress(f"filling {args.rows:,} logs over {args.days} days")
        started = time.perf_counter()
        fill_logs(database, window, total_rows=args.rows)
        progress(f"filled in {time.perf_counter() - started:.0f} s")
        count = partition_count(database)
        plans = planning_ms(database, Window(end - timedelta(days=args.days - 2), end))
        metrics.append(
            Metric(
                "plan",
                "one-hour page: planning",
                median(plans),
                "ms",
                f"max {max(plans):.2f}, {count} partitions",
                "≤ 5 ms",
                passed=median(plans) <= 5,
            )
        )
        progress("retention passes, writers running")
        # The pattern miner off, as in bench.query: it would spend the passes mining the logs
        # the fill wrote behind the app's back, and a long read of it holding `logs` makes
        # DETACH CONCURRENTLY wait (at 10M the first pass hit the statement timeout).
        no_miner = {"ENABLE_PATTERNS": "false"}
        with running_server(database_url=database.sqlalchemy_url, env=no_miner) as server:
            seconds, dropped, waits = retention_passes(server, days=args.days, passes=args.passes)
        metrics.append(
            Metric(
                "pass",
                "applyRetention removing one day",
                median(seconds),
                "s",
                f"{dropped} partitions dropped, max {max(seconds):.2f} s",
                "≤ 1 s",
                passed=max(seconds) <= 1,
            )
        )
        metrics.append(
            Metric(
                "waits",
                "longest write during passes",
                max(waits),
                "s",
                f"{len(waits)} writes of 10 logs, median {median(waits) * 1000:.1f} ms",
                "≤ 1 s",
                passed=max(waits) <= 1,
            )
        )
        removed = deletes(database, days_ago=[100, 101, 102])
        metrics.append(
            Metric(
                "delete",
                "the same by DELETE, one day",
                median([s for s, _ in removed]),
                "s",
                f"rows {', '.join(f'{n:,}' for _, n in removed)}",
            )
        )
        progress(f"bulk write path, {args.pairs} pairs")
        runs = ingest_ratios(database, plain, pairs=args.pairs)
        ratios = [ours.rate / theirs.rate * 100 for ours, theirs in runs]
        cpu_ratios = [ours.cpu_per_log / theirs.cpu_per_log * 100 for ours, theirs in runs]
        metrics.append(
            Metric(
                "ingest",
                "bulk write path, partitioned / one table",
                median(ratios),
                "%",
                f"pairs {', '.join(f'{ratio:.1f}' for ratio in ratios)}; "
                f"median {median([ours.rate for ours, _ in runs]):,.0f} vs "
                f"{median([theirs.rate for _, theirs in runs]):,.0f} logs/s",
                "≥ 90 %",
                passed=median(ratios) >= 90,
            )
        )
        metrics.append(
            Metric(
                "ingest_cpu",
                "backend CPU per log, partitioned / one table",
                median(cpu_ratios),
                "%",
                f"median {median([ours.cpu_per_log for ours, _ in runs]) * 1e6:.0f} vs "
                f"{median([theirs.cpu_per_log for _, theirs in runs]) * 1e6:.0f} µs",
            )
        )
    print(f"\nload average {os.getloadavg()[0]:.1f}; {args.rows:,} logs over {args.days} days\n")
    print(markdown_table(metrics))


if __name__ == "__main__":
    main()
