"""The log service benchmark on PostgreSQL: `python -m bench.logs [--quick] [--rows N]`.

Creates a scratch database, serves the app from it with one uvicorn worker, measures ingest
against a raw COPY ceiling, fills `logs` to the requested size, then measures reads and single
writes. Prints a markdown table and saves the numbers under `bench/results/`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import asdict, dataclass, replace
from types import FrameType

from bench import rollups, workload
from bench.data import LIVE_SPAN, LogFactory, Window
from bench.fill import copy_ceiling, fill_logs
from bench.load import BenchError
from bench.measure import (
    QUIET_TIMEOUT_S,
    Measurement,
    ingest_rate,
    latency,
    settle,
    throughput,
)
from bench.report import Metric, cpu_notes, markdown_table, write_json
from bench.stats import median
from testing.database import ScratchDatabase, scratch_database, server_version
from testing.server import Server, running_server

CAP = 1_000_000  # requests: the count bound of time-limited loads
BATCH = 1000
BULK_BASELINE = "2,100 logs/s (1.5%)"
CREATE_BASELINE = "375 req/s"
CREATE_VARIANTS = 2000  # distinct bodies cycled through by (g)


@dataclass(frozen=True, slots=True)
class Plan:
    """How big and how long each measurement is."""

    rows: int = 1_000_000
    ceiling_rows: int = 100_000
    ceiling_repeats: int = 3
    bulk_batches: int = 50
    latency_requests: int = 200
    stats_requests: int = 20
    deep_requests: int = 20
    concurrent_seconds: float = 5.0
    repeats: int = 3  # of each throughput measurement; the median is reported
    concurrency: int = 8
    workers: int = 1
    budget_s: float = 120.0  # the most any one sequential measurement may take

    @property
    def deep_skip(self) -> int:
        return min(500_000, self.rows // 2)


QUICK = Plan(
    rows=100_000,
    bulk_batches=10,
    latency_requests=50,
    stats_requests=5,
    deep_requests=5,
    concurrent_seconds=2.0,
    repeats=1,
)


def parse_plan(argv: Sequence[str] | None) -> Plan:
    parser = argparse.ArgumentParser(prog="python -m bench.logs", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 100k rows, short loads")
    parser.add_argument("--rows", type=int, help="rows in `logs` for the read measurements")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="(g) runs on one worker and on this many (default: one per core)",
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else Plan()
    return replace(plan, rows=args.rows or plan.rows, workers=args.workers)


def ceiling(plan: Plan, database: ScratchDatabase, factory: LogFactory) -> Metric:
    settle()
    rates = copy_ceiling(database, factory, rows=plan.ceiling_rows, repeats=plan.ceiling_repeats)
    return Metric(
        "a",
        f"raw psycopg2 COPY, {plan.ceiling_rows:,} rows (ceiling)",
        median(rates),
        "rows/s",
        detail=f"median of {len(rates)}",
        baseline="139,000 rows/s",
    )


def ingest(plan: Plan, server: Server, factory: LogFactory, copy_rate: float) -> list[Metric]:
    count = plan.bulk_batches
    rest = workload.rest_bulks(factory, batches=count, size=BATCH)
    graphql = workload.graphql_bulks(factory, batches=count, size=BATCH)
    specs = [
        Measurement("b", "REST POST /api/v1/bulk_logs/", rest, count, 30.0, BULK_BASELINE),
        Measurement("c", "GraphQL bulkCreate { count ids }", graphql, count, 15.0, BULK_BASELINE),
    ]
    return [
        ingest_rate(
            server,
            spec,
            batch=BATCH,
            ceiling=copy_rate,
            budget_s=plan.budget_s,
            repeats=plan.repeats,
        )
        for spec in specs
    ]


def reads(plan: Plan, server: Server, factory: LogFactory) -> list[Metric]:
    cases = workload.filter_cases(factory, plan.latency_requests)
    graphql_filters, rest_filters = workload.graphql_filters(cases), workload.rest_filters(cases)
    skip, count, stats, deep = plan.deep_skip, len(cases), plan.stats_requests, plan.deep_requests
    graphql_deep, rest_deep = workload.graphql_deep_page(skip), workload.rest_deep_page(skip)
    specs = [
        Measurement("d", "GraphQL logs(filter: 1 h window)", graphql_filters, count, 10, "81 ms"),
        Measurement("d", "REST /api/v1/logs/filter (1 h window)", rest_filters, count, 10, "81 ms"),
        Measurement("e", "GraphQL stats", workload.graphql_stats(), stats, 100, "277 ms"),
        Measurement("e", "REST /api/v1/stats/", workload.rest_stats(), stats, 100, "277 ms"),
        Measurement("f", f"GraphQL logs(skip: {skip})", graphql_deep, deep),
        Measurement("f", f"REST /api/v1/logs/?skip={skip}", rest_deep, deep),
    ]
    metrics = [latency(server, spec, budget_s=plan.budget_s) for spec in specs]
    filters_at_once = Measurement("h", "GraphQL logs(filter), 1 worker", graphql_filters, CAP, 500)
    return [*metrics, concurrently(plan, server, filters_at_once)]


def single_creates(
    plan: Plan, server: Server, factory: LogFactory, *, workers: int
) -> list[Metric]:
    rest = workload.rest_creates(factory, CREATE_VARIANTS)
    graphql = workload.graphql_creates(factory, CREATE_VARIANTS)
    served_by = f"{workers} worker{'s' if workers > 1 else ''}"
    specs = [
        Measurement("g", f"REST POST /api/v1/logs/, {served_by}", rest, CAP, 1100, CREATE_BASELINE),
        Measurement("g", f"GraphQL createLog, {served_by}", graphql, CAP, 1100, CREATE_BASELINE),
    ]
    return [concurrently(plan, server, spec) for spec in specs]


def concurrently(plan: Plan, server: Server, spec: Measurement) -> Metric:
    return throughput(
        server,
        spec,
        concurrency=plan.concurrency,
        seconds=plan.concurrent_seconds,
        repeats=plan.repeats,
    )


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def writer_server(
    database: ScratchDatabase, server: Server, *, workers: int
) -> AbstractContextManager[Server]:
    """The server for (g): the shared one, or one with that many worker processes."""
    if workers == 1:
        return nullcontext(server)
    return running_server(database_url=database.sqlalchemy_url, workers=workers)


def run(plan: Plan, database: ScratchDatabase, server: Server) -> list[Metric]:
    history = LogFactory(Window.ending_now())
    # Shippers send what just happened: writes carry the last minute's timestamps.
    live = LogFactory(Window.ending_now(LIVE_SPAN), seed=2)
    progress(f"(a) COPY ceiling, {plan.ceiling_repeats} x {plan.ceiling_rows:,} rows")
    copy_metric = ceiling(plan, database, live)
    progress("(b, c) bulk ingest")
    metrics = [copy_metric, *ingest(plan, server, live, copy_metric.value)]
    progress(f"filling logs to {plan.rows:,} rows")
    started = time.perf_counter()
    added = fill_logs(database, history.window, total_rows=plan.rows)
    progress(f"added {added:,} rows in {time.perf_counter() - started:.0f} s (with VACUUM ANALYZE)")
    with closing(database.connect()) as connection:
        progress(rollups.describe(rollups.settle_rollups(connection)))
    progress("(d, e, f, h) reads")
    metrics += reads(plan, server, history)
    for workers in sorted({1, plan.workers}):
        progress(f"(g) single creates on {workers} worker(s)")
        with writer_server(database, server, workers=workers) as writer:
            metrics += single_creates(plan, writer, live, workers=workers)
    return sorted(metrics, key=lambda metric: metric.key)


def notes(plan: Plan, metrics: list[Metric]) -> list[str]:
    return [
        f"Client and server share this machine's {os.cpu_count()} cores; the load generator is "
        "a minimal asyncio HTTP/1.1 client (bench/wire.py) so that it takes little of them.",
        "The server is one uvicorn worker (uvloop, httptools), alerts off"
        + (f"; (g) also ran on {plan.workers} workers." if plan.workers > 1 else "."),
        "(a) COPYs into an empty table made `LIKE logs INCLUDING ALL`: same columns, checks "
        "and indexes, no triggers.",
        f"(d)-(h) ran on {plan.rows:,} rows, COPYed in oldest first (as logs arrive), then "
        "VACUUM ANALYZEd; nothing was measured before the app had folded the fill's rollup "
        "deltas (bench/rollups.py).",
        "(b), (c) and (g) send logs stamped within the last minute, as shippers do; throughput "
        f"figures are the median of {plan.repeats} run(s); each measurement first waits up to "
        f"{QUIET_TIMEOUT_S:.0f} s for the machine to go quiet.",
        *cpu_notes(metrics),
    ]


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds through the clean-ups: server stopped, database dropped


def main(argv: Sequence[str] | None = None) -> int:
    plan = parse_plan(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with it ignored
    started = time.strftime("%Y%m%d-%H%M%S")
    try:
        with (
            scratch_database("lograph_bench") as database,
            running_server(database_url=database.sqlalchemy_url) as server,
        ):
            metrics = run(plan, database, server)
    except KeyboardInterrupt:
        progress("interrupted; server stopped and scratch database dropped")
        return 130
    except BenchError as error:
        progress(f"the app misbehaved, so there are no numbers: {error}")
        return 1
    print(markdown_table(metrics))
    print()
    print("\n".join(f"- {note}" for note in notes(plan, metrics)))
    context = {"plan": asdict(plan), "postgres": server_version(), "cpus": os.cpu_count()}
    path = write_json("logs", started=started, context=context, metrics=metrics)
    print(f"\nSaved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
