"""The search benchmark (issue 8): `python -m bench.query [--rows N] [--profile SECONDS]`.

Creates a scratch database, migrates it by starting the app (one uvicorn worker, alerts and the
pattern miner off: the miner would spend the run mining the N logs the load wrote behind the
app's back, hundreds of CPU seconds per million, which a store receiving its logs as they come
never has to catch up on; bench.patterns measures it), COPYs in N logs over 30 days (or
--days; bench/corpus.py), VACUUM ANALYZEs, waits for the app to fold the load's rollup deltas
(bench/rollups.py), then measures cursor pages, metadata and text search,
histograms and totalCount, and the GraphQL filter query at concurrency 8 side by side with
PostGraphile 4 + connection-filter on the same table. With `--switches both`, two app processes,
one with the fast path's switches off, are measured side by side on the same data. Measurements
whose fields the app does not have yet are reported as not available. Prints a markdown table
and saves the numbers under `bench/results/`.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import orjson
import uvloop

from bench import corpus, kept, postgraphile, rollups, switches, workload
from bench.cpu import CpuUsage, cpu_meter
from bench.data import LogFactory, Window
from bench.fill import partition_count
from bench.load import BenchError, Call, Load, Run, graphql, measure
from bench.measure import settle
from bench.report import BUSY_OTHER_PERCENT, Metric, cpu_notes, write_json
from bench.stats import Latency, median
from bench.wire import Connection
from testing.database import ScratchDatabase, kept_database, scratch_database, server_version
from testing.partitions import partitions_for
from testing.server import Server, running_servers

CAP = 1_000_000  # requests: the count bound of time-limited loads
PAGE = 50
DEEP_PAGES = 1000  # pages walked before the deep page is measured
WARMUP_SECONDS = 1.0
# GraphQL validation errors that mean "this field or argument does not exist (yet)".
UNAVAILABLE = re.compile(
    r"Cannot query field|is not defined by type|Unknown argument|Unknown type"
    r"|Field '[^']*' is not defined|not to include unknown field"
)

LOG_FIELDS = workload.LOG_FIELDS
PAGE_QUERY = f"""
query Page($f: LogFilter, $after: String) {{
  logsConnection(filter: $f, first: {PAGE}, after: $after) {{
    edges {{ cursor node {{ {LOG_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
CURSOR_QUERY = f"""
query Cursor($f: LogFilter, $after: String) {{
  logsConnection(filter: $f, first: {PAGE}, after: $after) {{
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
TOTAL_QUERY = "query Total($f: LogFilter) { logsConnection(filter: $f) { totalCount } }"
LOGS_QUERY = f"query Find($f: LogFilter) {{ logs(filter: $f, limit: {PAGE}) {{ {LOG_FIELDS} }} }}"
# The app's messageContains compiles to `message ILIKE '%' || :word || '%'`, which a trigram
# index on the column serves.
PREVIEW_TRGM_INDEX = "CREATE INDEX bench_logs_message_trgm ON logs USING gin (message gin_trgm_ops)"
HISTOGRAM_QUERY = """
query Histogram($f: LogFilter, $interval: HistogramInterval!) {
  histogram(filter: $f, interval: $interval) { start count byLevel { level count } }
}"""


@dataclass(frozen=True, slots=True)
class Plan:
    rows: int = 10_000_000
    latency_requests: int = 100  # per latency measurement (fewer when the time budget runs out)
    scan_requests: int = 5  # for the unindexed text search, a full scan each
    budget_s: float = 60.0  # the most any one latency measurement may take
    concurrent_seconds: float = 5.0
    repeats: int = 5  # paired rounds of the side-by-side comparison (median of ratios)
    concurrency: int = 8
    load_processes: int = 2
    rebuild_indexes: bool = True
    postgraphile: bool = True
    profile_seconds: float = 0.0
    trgm_index: bool = False  # create a trigram index before loading if the app has none
    load_only: bool = False
    days: int = 30  # the issue-23 run: --days 365
    switches: str = "on"  # the fast path's: on, off, or both side by side (bench/switches.py)
    database: str | None = None  # kept: loaded once (bench/kept.py), measured again


DEFAULT = Plan()


def parse_plan(argv: Sequence[str] | None) -> Plan:
    parser = argparse.ArgumentParser(prog="python -m bench.query", description=__doc__)
    parser.add_argument("--rows", type=int, default=DEFAULT.rows, help="logs to load (10,000,000)")
    parser.add_argument("--requests", type=int, default=DEFAULT.latency_requests)
    parser.add_argument("--seconds", type=float, default=DEFAULT.concurrent_seconds)
    parser.add_argument("--repeats", type=int, default=DEFAULT.repeats)
    parser.add_argument(
        "--load-processes", type=int, default=DEFAULT.load_processes, help="parallel COPY workers"
    )
    parser.add_argument(
        "--keep-indexes",
        action="store_true",
        help="COPY into the indexed table instead of dropping and rebuilding its indexes",
    )
    parser.add_argument("--no-postgraphile", action="store_true", help="skip the comparison")
    parser.add_argument(
        "--profile",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="also profile the app (py-spy) serving the filter query at concurrency 8",
    )
    parser.add_argument(
        "--trgm-index",
        action="store_true",
        help="before loading, create a trigram index on message unless one exists "
        "(a preview of the migration issue 8 asks for)",
    )
    parser.add_argument("--days", type=int, default=DEFAULT.days, help="days the logs span")
    parser.add_argument("--load-only", action="store_true", help="load, report the load, stop")
    parser.add_argument(
        "--switches",
        choices=switches.CHOICES,
        default=DEFAULT.switches,
        help="the fast path's switches (GRAPHQL_FAST_PATH and the rest): on, off, or both, "
        "one app process each, measured side by side",
    )
    parser.add_argument(
        "--database",
        help="load into this database (created if missing) unless it holds a load already, and "
        "keep it; the trigram index is kept too (no unindexed scan)",
    )
    args = parser.parse_args(argv)
    return Plan(
        rows=args.rows,
        latency_requests=args.requests,
        concurrent_seconds=args.seconds,
        repeats=args.repeats,
        load_processes=args.load_processes,
        rebuild_indexes=not args.keep_indexes,
        postgraphile=not args.no_postgraphile,
        profile_seconds=args.profile,
        trgm_index=args.trgm_index,
        load_only=args.load_only,
        days=args.days,
        switches=args.switches,
        database=args.database,
    )


@dataclass(slots=True)
class Unavailable(Metric):
    """A measurement the app cannot serve yet (the field or argument does not exist)."""

    reason: str = ""

    def measured(self) -> str:
        return f"not available ({self.reason})"


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- asking the app -------------------------------------------------------------------------


def _errors(body: bytes) -> list[str]:
    document = orjson.loads(body)
    return [str(error.get("message")) for error in document.get("errors") or []]


def probe(port: int, call: Call) -> str | None:
    """None when the app answers `call` without errors; the reason when the field is missing.

    Any other failure is a BenchError: the numbers would mean nothing.
    """

    async def once() -> tuple[int, bytes]:
        connection = await Connection.open(port)
        try:
            answer = await connection.exchange(call.request)
        finally:
            await connection.close()
        return answer.status, answer.body

    status, body = uvloop.run(once())
    messages = _errors(body) if body.startswith(b"{") else []
    for message in messages:
        if UNAVAILABLE.search(message):
            return message
    if status != 200 or messages:
        raise BenchError(f"{call.label} -> {status}: {body[:300]!r}")
    return None


def post(client: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    answer = client.post("/graphql", json={"query": query, "variables": variables})
    document: dict[str, Any] = answer.json()
    if answer.status_code != 200 or document.get("errors"):
        raise BenchError(f"{answer.status_code}: {answer.text[:300]}")
    return document


def deep_cursor(server: Server, log_filter: dict[str, Any], pages: int) -> tuple[str | None, int]:
    """The `after` cursor that starts page `pages + 1`, walking there page by page.

    With fewer pages than that, the cursor that starts the last page, and how many precede it.
    """
    after: str | None = None
    with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
        for walked in range(pages):
            data = post(client, CURSOR_QUERY, {"f": log_filter, "after": after})
            info = data["data"]["logsConnection"]["pageInfo"]
            if not info["hasNextPage"]:
                return after, walked
            after = str(info["endCursor"])
    return after, pages


# --- measuring ------------------------------------------------------------------------------


def timed(
    server: Server, calls: Sequence[Call], *, requests: int, warmup: int, budget: float
) -> Run:
    first = Load(warmup, budget) if warmup else None
    return measure(server.port, calls, Load(requests, budget), warmup=first)


def latency_metric(
    server: Server,
    key: str,
    name: str,
    calls: Sequence[Call],
    *,
    plan: Plan,
    target_ms: float | None,
    requests: int | None = None,
    warmup: int = 5,
) -> Metric:
    """p50 of sequential requests, or Unavailable when the app lacks the field."""
    reason = probe(server.port, calls[0])
    if reason is not None:
        return Unavailable(key, f"{name} p50", math.nan, "ms", reason=reason, target=_ms(target_ms))
    settle()
    count = requests or plan.latency_requests
    with cpu_meter(server.pid) as cpu:
        run = timed(server, calls, requests=count, warmup=warmup, budget=plan.budget_s)
    result = Latency.of(run.latencies)
    return Metric(
        key,
        f"{name} p50",
        result.p50_ms,
        "ms",
        detail=f"p95 {result.p95_ms:.1f} ms, n={result.count}",
        target=_ms(target_ms),
        passed=None if target_ms is None else result.p50_ms <= target_ms,
        cpu=cpu,
    )


def _ms(target: float | None) -> str:
    return "—" if target is None else f"≤ {target:g} ms"


def ratio_metric(
    key: str,
    name: str,
    top: Metric,
    bottom: Metric,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
) -> Metric:
    target = f"≥ {at_least:g}x" if at_least is not None else f"≤ {at_most:g}x"
    if isinstance(top, Unavailable) or isinstance(bottom, Unavailable):
        return Unavailable(
            key, name, math.nan, "x", reason="a side is not available", target=target
        )
    value = top.value / bottom.value
    passed = value >= at_least if at_least is not None else value <= (at_most or math.inf)
    return Metric(key, name, value, "x", detail="of the p50s above", target=target, passed=passed)


def filter_variables(service: str, level: str, start: datetime, end: datetime) -> dict[str, Any]:
    return {
        "service": service,
        "level": level,
        "startTime": start.isoformat(),
        "endTime": end.isoformat(),
    }


def pages(plan: Plan, server: Server, data: corpus.Corpus) -> list[Metric]:
    """(i) logsConnection's first page and a page 1,000 pages deep, on the incident hour."""
    log_filter = filter_variables(
        corpus.BURST_SERVICE, corpus.BURST_LEVEL, data.burst_start, data.burst_end
    )
    name = f"logsConnection {corpus.BURST_LEVEL} + {corpus.BURST_SERVICE} + 1 h, first {PAGE}"
    first = [graphql(PAGE_QUERY, {"f": log_filter, "after": None})]
    first_metric = latency_metric(server, "i", f"{name}, page 1", first, plan=plan, target_ms=10)
    if isinstance(first_metric, Unavailable):
        deep_metric: Metric = replace(first_metric, name=f"{name}, page {DEEP_PAGES + 1} p50")
    else:
        progress(f"walking {DEEP_PAGES:,} pages for the deep cursor")
        cursor, walked = deep_cursor(server, log_filter, DEEP_PAGES)
        deep = [graphql(PAGE_QUERY, {"f": log_filter, "after": cursor})]
        deep_metric = latency_metric(
            server, "i", f"{name}, page {walked + 1}", deep, plan=plan, target_ms=10
        )
    ratio = ratio_metric("i", "deep page / first page", deep_metric, first_metric, at_most=1.5)
    return [first_metric, deep_metric, ratio]


def request_ids(database: ScratchDatabase, count: int) -> list[str]:
    """Request ids that exist, sampled from all over the table."""
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT metadata->>'request_id' FROM logs TABLESAMPLE SYSTEM (1) REPEATABLE (8)"
            " LIMIT %s",
            (count,),
        )
        found = [str(value) for (value,) in cursor.fetchall()]
        if len(found) < count:  # a small table: the sample may come up short
            cursor.execute(
                "SELECT metadata->>'request_id' FROM logs ORDER BY id LIMIT %s", (count,)
            )
            found = [str(value) for (value,) in cursor.fetchall()]
        return found


def metadata_search(plan: Plan, server: Server, database: ScratchDatabase) -> Metric:
    """(j) metadata `equals` on a request id."""
    calls = [
        graphql(LOGS_QUERY, {"f": {"metadata": [{"path": "request_id", "equals": request}]}})
        for request in request_ids(database, plan.latency_requests)
    ]
    return latency_metric(
        server, "j", "logs(metadata: request_id equals)", calls, plan=plan, target_ms=20
    )


def histograms(plan: Plan, server: Server, data: corpus.Corpus) -> list[Metric]:
    """(l) one day by MINUTE, 30 days by HOUR."""
    day = data.end.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    last = timedelta(days=1) - timedelta(microseconds=1)  # endTime is inclusive
    one_day = {"startTime": day.isoformat(), "endTime": (day + last).isoformat()}
    month_start = max(data.start, data.end - timedelta(days=30))  # --days 365 spans a year
    month = {"startTime": month_start.isoformat(), "endTime": data.end.isoformat()}
    cases = [
        ("histogram(1 day, MINUTE)", one_day, "MINUTE"),
        ("histogram(30 days, HOUR)", month, "HOUR"),
    ]
    return [
        latency_metric(
            server,
            "l",
            name,
            [graphql(HISTOGRAM_QUERY, {"f": window, "interval": interval})],
            plan=plan,
            target_ms=100,
        )
        for name, window, interval in cases
    ]


def total_counts(plan: Plan, server: Server, cases: list[workload.FilterCase]) -> Metric:
    """(m) totalCount of level + service + a one-hour window (not hour-aligned)."""
    calls = [
        graphql(TOTAL_QUERY, {"f": filter_variables(c.service, c.level, c.start, c.end)})
        for c in cases
    ]
    return latency_metric(
        server,
        "m",
        "logsConnection(level + service + 1 h) { totalCount }",
        calls,
        plan=plan,
        target_ms=20,
    )


def trigram_indexes(database: ScratchDatabase) -> list[tuple[str, str]]:
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        return [
            (name, definition)
            for name, definition in corpus.secondary_indexes(cursor)
            if "gin_trgm_ops" in definition
        ]


def text_search(
    plan: Plan, servers: dict[str, Server], database: ScratchDatabase
) -> dict[str, list[Metric]]:
    """(k) messageContains of a rare word on each server: with the trigram index, then after
    dropping it."""
    calls = [graphql(LOGS_QUERY, {"f": {"messageContains": word}}) for word in corpus.RARE_WORDS]
    name = "logs(messageContains: rare word), whole table"
    indexes = trigram_indexes(database)
    no_index = Unavailable(
        "k",
        f"{name}, trigram index p50",
        math.nan,
        "ms",
        reason="no gin_trgm_ops index on logs",
        target="≤ 100 ms",
    )
    indexed = {
        variant: latency_metric(
            server, "k", f"{name}, trigram index", calls, plan=plan, target_ms=100
        )
        if indexes
        else no_index
        for variant, server in servers.items()
    }
    if plan.database is not None:  # kept to be measured again: the index stays
        return {variant: [metric] for variant, metric in indexed.items()}
    if indexes:
        with closing(database.connect()) as connection, connection.cursor() as cursor:
            connection.autocommit = True
            for index, _ in indexes:
                cursor.execute(f'DROP INDEX "{index}"')
            cursor.execute("ANALYZE logs")
        progress(f"dropped {', '.join(index for index, _ in indexes)} for the unindexed run")
    measured: dict[str, list[Metric]] = {}
    for variant, server in servers.items():
        scan = _scan(plan, server, calls, name)
        ratio = ratio_metric("k", "no index / trigram index", scan, indexed[variant], at_least=20)
        measured[variant] = [indexed[variant], scan, ratio]
    return measured


def _scan(plan: Plan, server: Server, calls: Sequence[Call], name: str) -> Metric:
    try:
        return latency_metric(
            server,
            "k",
            f"{name}, no index",
            calls,
            plan=plan,
            target_ms=None,
            requests=plan.scan_requests,
            warmup=1,
        )
    except BenchError as error:  # the app's statement timeout: the other figures still stand
        return Unavailable("k", f"{name}, no index p50", math.nan, "ms", reason=str(error)[:120])


@dataclass(frozen=True, slots=True)
class Side:
    server: Server
    calls: Sequence[Call]


def side_by_side(plan: Plan, lograph: Side, other: Side) -> list[Metric]:
    """(n) the filter query at concurrency 8, rounds alternating between the two servers."""
    load = Load(CAP, plan.concurrent_seconds, plan.concurrency)
    warmup = Load(CAP, WARMUP_SECONDS, plan.concurrency)
    rounds: list[tuple[tuple[Run, CpuUsage], tuple[Run, CpuUsage]]] = []
    for _ in range(plan.repeats):
        pair = []
        for side in (lograph, other):
            settle()
            with cpu_meter(side.server.pid) as cpu:
                run = measure(side.server.port, side.calls, load, warmup=warmup)
            pair.append((run, cpu))
        rounds.append((pair[0], pair[1]))
    ratios = sorted(ours[0].per_second / theirs[0].per_second for ours, theirs in rounds)
    # Under contention both servers starve and the ratio drifts towards 1: no verdict then.
    disturbed = any(cpu.other > BUSY_OTHER_PERCENT for pair in rounds for _, cpu in pair)
    verdict = None if disturbed else median(ratios) >= 0.7
    busy = f"; other work took > {BUSY_OTHER_PERCENT:.0f}% of a core: no verdict" * disturbed
    by_ours = sorted(rounds, key=lambda pair: pair[0][0].per_second)
    by_theirs = sorted(rounds, key=lambda pair: pair[1][0].per_second)
    middle = len(rounds) // 2
    ours_run, ours_cpu = by_ours[middle][0]
    theirs_run, theirs_cpu = by_theirs[middle][1]
    conc = f"1 worker, concurrency {plan.concurrency}"

    def spread(values: list[float]) -> str:
        return ", ".join(f"{value:,.0f}" for value in values)

    return [
        Metric(
            "n",
            f"lograph GraphQL filter query, {conc}",
            ours_run.per_second,
            "req/s",
            detail=f"p50 {Latency.of(ours_run.latencies).p50_ms:.1f} ms; median of "
            f"{len(rounds)}: {spread([p[0][0].per_second for p in rounds])}",
            cpu=ours_cpu,
        ),
        Metric(
            "n",
            f"PostGraphile 4 + connection-filter, same query, {conc}",
            theirs_run.per_second,
            "req/s",
            detail=f"p50 {Latency.of(theirs_run.latencies).p50_ms:.1f} ms; median of "
            f"{len(rounds)}: {spread([p[1][0].per_second for p in rounds])}",
            cpu=theirs_cpu,
        ),
        Metric(
            "n",
            "lograph / PostGraphile req/s",
            median(ratios),
            "x",
            detail="median of per-round ratios " + ", ".join(f"{r:.2f}" for r in ratios) + busy,
            target="≥ 0.7x",
            passed=verdict,
        ),
        _cpu_ratio(rounds),
    ]


def beside(
    plan: Plan, theirs: Side, cases: list[workload.FilterCase], server: Server
) -> list[Metric]:
    """(n) for one app process: the same answers as PostGraphile's first, then the load."""
    ours = Side(server, workload.graphql_filters(cases))
    same_answers(ours, theirs)
    return side_by_side(plan, ours, theirs)


def _cpu_ms(pair: tuple[Run, CpuUsage], *, with_postgres: bool) -> float:
    """CPU milliseconds per request: of the server process, optionally plus all of PostgreSQL."""
    run, cpu = pair
    busy = cpu.server + (cpu.postgres if with_postgres else 0.0)
    return 10 * busy / run.per_second if run.per_second else math.inf


def _cpu_ratio(rounds: list[tuple[tuple[Run, CpuUsage], tuple[Run, CpuUsage]]]) -> Metric:
    """Less sensitive to other work on the machine than req/s: CPU spent per request."""
    ours = median([_cpu_ms(pair[0], with_postgres=False) for pair in rounds])
    theirs = median([_cpu_ms(pair[1], with_postgres=False) for pair in rounds])
    ours_all = median([_cpu_ms(pair[0], with_postgres=True) for pair in rounds])
    theirs_all = median([_cpu_ms(pair[1], with_postgres=True) for pair in rounds])
    return Metric(
        "n",
        "PostGraphile / lograph server CPU per request",
        theirs / ours,
        "x",
        detail=f"lograph {ours:.2f} ms, PostGraphile {theirs:.2f} ms per request (medians); "
        f"with PostgreSQL's CPU added: {ours_all:.2f} vs {theirs_all:.2f} ms, "
        f"{theirs_all / ours_all:.2f}x",
    )


def postgraphile_calls(cases: list[workload.FilterCase]) -> list[Call]:
    query = postgraphile.FILTER_QUERY % workload.PAGE_SIZE
    return [
        graphql(
            query,
            {
                "service": case.service,
                "level": case.level,
                "start": case.start.isoformat(),
                "end": case.end.isoformat(),
            },
        )
        for case in cases
    ]


def same_answers(lograph: Side, other: Side) -> None:
    """Both servers return the same logs, in the same order, for the first few cases."""
    with (
        httpx.Client(base_url=lograph.server.base_url) as ours,
        httpx.Client(base_url=other.server.base_url) as theirs,
    ):
        for call, their_call in list(zip(lograph.calls, other.calls, strict=True))[:5]:
            mine = _ids(ours, call)
            them = _ids(theirs, their_call)
            if mine != them:
                raise BenchError(f"lograph and PostGraphile disagree: {mine[:5]} vs {them[:5]}")


def _ids(client: httpx.Client, call: Call) -> list[str]:
    body = call.request.split(b"\r\n\r\n", 1)[1]
    answer = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    data = answer.json()
    if data.get("errors"):
        raise BenchError(f"{call.label}: {data['errors']}")
    answer = data["data"]
    rows = answer["logs"] if "logs" in answer else answer["allLogs"]["nodes"]  # none may match
    return [str(row["id"]) for row in rows]


# --- the run --------------------------------------------------------------------------------


def load(plan: Plan, database: ScratchDatabase, notes: list[str]) -> corpus.Corpus:
    """Fill the database's `logs` with the plan's rows over its days before now."""
    end = datetime.now(UTC).replace(microsecond=0)
    window = Window(end - timedelta(days=plan.days), end)
    partitions_for(database.sqlalchemy_url, window.start, window.end)
    notes.append(f"{plan.days} days of logs, in {partition_count(database)} partitions of `logs`.")
    strategy = "dropping and rebuilding indexes" if plan.rebuild_indexes else "indexes kept"
    progress(f"loading {plan.rows:,} rows, {plan.load_processes} COPY processes, {strategy}")
    data, loaded = corpus.load(
        database.dsn,
        plan.rows,
        window.start,
        window.end,
        processes=plan.load_processes,
        rebuild_indexes=plan.rebuild_indexes,
        progress=progress,
    )
    total = loaded.copy_s + loaded.index_s + loaded.vacuum_s
    notes.append(
        f"Load: {plan.rows:,} rows in {total:.0f} s ({plan.rows / total:,.0f} rows/s): COPY "
        f"{loaded.copy_s:.0f} s ({plan.load_processes} processes, 100k-row chunks), "
        + (
            f"index builds {loaded.index_s:.0f} s ({len(loaded.rebuilt)} indexes dropped "
            "before and rebuilt after), "
            if plan.rebuild_indexes
            else "indexes kept and maintained during COPY, "
        )
        + f"VACUUM ANALYZE {loaded.vacuum_s:.0f} s."
    )
    progress(notes[-1])
    kept.record_corpus(database, data)
    return data


def run(
    plan: Plan,
    database: ScratchDatabase,
    servers: dict[str, Server],
    stack: ExitStack,
    log_dir: Path,
) -> tuple[list[Metric], list[str], list[str]]:
    notes: list[str] = []
    profiled: list[str] = []
    executable = None
    if plan.postgraphile:
        progress("npm install postgraphile@4 postgraphile-plugin-connection-filter@2 (temp folder)")
        executable = stack.enter_context(postgraphile.installed())
    if plan.trgm_index and not trigram_indexes(database):
        with closing(database.connect()) as connection, connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(PREVIEW_TRGM_INDEX)
            connection.commit()
        notes.append(
            f"The trigram index was created by the bench (--trgm-index): {PREVIEW_TRGM_INDEX}"
        )
    data = None if plan.database is None else kept.recorded_corpus(database)
    if data is None:
        data = load(plan, database, notes)
    else:
        progress(f"{database.name} holds {data.rows:,} logs loaded before: measuring them")
        notes.append(f"{data.rows:,} logs loaded before this run, {data.start} to {data.end}.")
    window = Window(data.start, data.end)
    if plan.load_only:
        return [], notes, []
    progress("waiting for the app to fold the load's rollup deltas")
    with closing(database.connect()) as connection:
        notes.append(rollups.describe(rollups.settle_rollups(connection)))
    progress(notes[-1])
    history = LogFactory(window, seed=5)
    cases = workload.filter_cases(history, plan.latency_requests)
    theirs: Side | None = None
    if executable is not None:
        theirs_server = stack.enter_context(postgraphile.running(executable, database.dsn, log_dir))
        theirs = Side(theirs_server, postgraphile_calls(cases))
    steps: list[tuple[str, Callable[[Server], list[Metric]]]] = [
        ("(i) cursor pages", lambda server: pages(plan, server, data)),
        ("(j) metadata equals", lambda server: [metadata_search(plan, server, database)]),
        ("(l) histograms", lambda server: histograms(plan, server, data)),
        ("(m) totalCount", lambda server: [total_counts(plan, server, cases)]),
    ]
    if theirs is not None:
        steps.append(
            (
                "(n) filter query side by side with PostGraphile",
                partial(beside, plan, theirs, cases),
            )
        )
    measured: dict[str, list[Metric]] = {variant: [] for variant in servers}
    for label, step in steps:
        for variant, server in servers.items():
            progress(f"{label}, the fast path's switches {variant}")
            measured[variant] += step(server)
    if plan.profile_seconds > 0:
        from bench import profile  # only needed here

        progress(f"profiling the filter query for {plan.profile_seconds:g} s (py-spy)")
        first = next(iter(servers.values()))
        calls = workload.graphql_filters(cases)
        profiled = profile.profile(first, calls, plan.concurrency, plan.profile_seconds, log_dir)
    progress("(k) text search (last: it drops the trigram index)")
    for variant, rows in text_search(plan, servers, database).items():
        measured[variant] += rows
    return switches.interleaved(measured), notes, profiled


def markdown(metrics: list[Metric]) -> str:
    header = ("metric", "measured", "target", "result")
    rows = [header] + [
        (f"({m.key}) {m.name}", m.measured(), m.target, m.verdict()) for m in metrics
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(rows[0]), rule, *(line(row) for row in rows[1:])])


def _version(number: str) -> str:
    return f"{int(number) // 10000}.{int(number) % 10000}"


@contextmanager
def serving(database: ScratchDatabase, choice: str) -> Iterator[dict[str, Server]]:
    """One app process on the database per variant of the switches, alerts and the pattern
    miner off."""
    env = {"DATABASE_URL": database.sqlalchemy_url, "ENABLE_ALERTS": "false"}
    with ExitStack() as stack:
        servers = {
            variant: stack.enter_context(
                running_servers(1, env=env | {"ENABLE_PATTERNS": "false"} | switched)
            )[0]
            for variant, switched in switches.chosen(choice).items()
        }
        yield servers


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    plan = parse_plan(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.strftime("%Y%m%d-%H%M%S")
    try:
        with ExitStack() as stack:
            log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            if plan.database is None:
                database = stack.enter_context(scratch_database("lograph_query"))
            else:
                database = kept_database(plan.database)
            progress(f"scratch database {database.name}; starting the app (it migrates)")
            servers = stack.enter_context(serving(database, plan.switches))
            metrics, notes, profiled = run(plan, database, servers, stack, log_dir)
    except KeyboardInterrupt:
        progress("interrupted; servers stopped, scratch database dropped, temp folder removed")
        return 130
    except (BenchError, postgraphile.InstallError) as error:
        progress(f"no numbers: {error}")
        return 1
    print(markdown(metrics))
    print()
    notes += [
        f"PostgreSQL {_version(server_version())}, {os.cpu_count()} cores shared by client, app, "
        "PostgreSQL and PostGraphile; one uvicorn worker (alerts off); PostGraphile is one "
        "Node process (`--dynamic-json`, `--disable-query-log`, no watch).",
        *cpu_notes(metrics),
    ]
    print("\n".join(f"- {note}" for note in notes))
    if profiled:
        print("\n" + "\n".join(profiled))
    context = {"plan": asdict(plan), "postgres": server_version(), "cpus": os.cpu_count()}
    path = write_json("query", started=started, context=context, metrics=metrics)
    print(f"\nSaved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
