"""Patterns (issue 26) on PostgreSQL: `python -m bench.patterns [--rows N] [--mine-rows N]`.

(a) a server's miner catching up on a backlog of --mine-rows mixed corpus logs (its miner
process: read, mask, cluster, store): logs/s and the CPU per log of server and miner; (g) the same
messages clustered by drain3 alone with its defaults: patterns each finds; (c) assignment
delay while REST bulk writes are paced at --rate logs/s; (d) ingest, REST bulk and NDJSON,
with mining on against off (rounds alternate); (e) `patterns` over the last 24 h and (f) a
first page of logs filtered by one pattern over 24 h, at --rows logs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta

from bench import pattern_serving as serving
from bench.pattern_data import fill_with_patterns, pattern_sizes
from bench.pattern_mining import by_drain3, chunks, messages, mine_backlog
from testing.database import ScratchDatabase, kept_database, scratch_database

NDJSON_LINES = 10_000
PATTERNS = """query($f: LogFilter) { patterns(filter: $f, first: 50) { id template count } }"""
PAGE = """query($f: LogFilter) { logs(filter: $f, limit: 50) { id timestamp message } }"""


def say(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {line}", file=sys.stderr, flush=True)


def row(metric: str, measured: str, target: str) -> str:
    return f"| {metric} | {measured} | {target} |"


def load() -> str:
    return "load average " + ", ".join(f"{n:.1f}" for n in os.getloadavg())


@contextmanager
def migrated(prefix: str) -> Iterator[ScratchDatabase]:
    with scratch_database(prefix) as database:
        with serving.server(database, mining=False):  # it migrates the database
            pass
        yield database


def clustering(rows: int) -> list[str]:
    say(f"(a, g) a server mining a backlog of {rows:,} logs; drain3 alone on their messages")
    planned = chunks(rows, end=datetime.now(UTC), seed=300)
    with migrated("lograph_bench_patterns") as database:
        backlog = mine_backlog(database, planned)
    found, rate = by_drain3(messages(planned))
    return [
        row(
            f"(a) a server's miner catching up on {rows:,} logs (read, mine, store)",
            f"{backlog.logs / backlog.seconds:,.0f} logs/s; server and miner used"
            f" {backlog.cpu_seconds / backlog.logs * 1e6:,.0f} µs of CPU per log"
            f" ({backlog.logs / backlog.cpu_seconds:,.0f} logs per CPU second)",
            ">= 10,000 logs/s",
        ),
        row(
            f"(g) patterns in the same {rows:,} messages: lograph / drain3 alone, defaults",
            f"{backlog.patterns:,} / {found:,} (drain3: {rate:,.0f} logs per CPU s)",
            "report",
        ),
    ]


def serving_rows(rate: float, seconds: float, rounds: int) -> list[str]:
    with migrated("lograph_bench_patterns") as database:
        say(f"(c) paced REST bulk at {rate:,.0f} logs/s for {seconds:.0f} s, mining on")
        bodies = serving.bulk_bodies(int(rate * seconds / serving.BULK), seed=400)
        with serving.server(database, mining=True) as server:
            reached, delays = serving.DelayProbe(server, database, bodies).run(rate_per_s=rate)
        p99 = statistics.quantiles(delays, n=100)[98] if len(delays) > 1 else delays[0]
        rows = [
            row(
                f"(c) assignment delay at {reached:,.0f} logs/s written (asked {rate:,.0f})",
                f"p50 {statistics.median(delays):.2f} s, p99 {p99:.2f} s,"
                f" max {max(delays):.2f} s ({len(delays)} batches of {serving.BULK})",
                "p99 <= 15 s",
            ),
        ]
        say(rows[0])  # kept should (d) fail
        say(f"(d) ingest with mining off and on, {rounds} rounds")
        bulks = serving.bulk_bodies(50, seed=500)
        ndjsons = serving.ndjson_bodies(10, NDJSON_LINES, seed=600)
        rates: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
        for _round in range(rounds):
            for mining in (False, True):
                with serving.server(database, mining=mining) as server:
                    if mining:
                        serving.wait_until_mined(database)
                    rates[mining].append(serving.ingest_rates(server, bulks, ndjsons, NDJSON_LINES))
    for index, what in enumerate(
        ("REST bulk, 1,000 logs/request", f"NDJSON, {NDJSON_LINES:,} lines/request")
    ):
        off = statistics.median(one[index] for one in rates[False])
        on = statistics.median(one[index] for one in rates[True])
        ratios = ", ".join(
            f"{b[index] / a[index]:.0%}" for a, b in zip(rates[False], rates[True], strict=True)
        )
        rows.append(
            row(
                f"(d) {what}: mining on / off",
                f"{on:,.0f} / {off:,.0f} logs/s = {on / off:.0%} (rounds: {ratios})",
                ">= 85%",
            )
        )
    return rows


def read_rows(database: ScratchDatabase, rows: int) -> list[str]:
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*), max(timestamp) FROM logs")
        count, end = cursor.fetchone()
    if count < rows:
        say(f"(e, f) filling {rows:,} logs over one day, with patterns")
        fill_with_patterns(database, rows=rows - count, end=datetime.now(UTC), progress=say)
        with closing(database.connect()) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT count(*), max(timestamp) FROM logs")
            count, end = cursor.fetchone()
    since = (end - timedelta(hours=24)).isoformat()
    sizes = pattern_sizes(database, end - timedelta(hours=24))
    # Sizes in decreasing order: the largest pattern, one of the top tenth, the median one.
    chosen = [sizes[0], sizes[len(sizes) // 10], sizes[len(sizes) // 2]]
    say(f"(e, f) reads over {count:,} logs, {len(sizes):,} patterns in the last day")
    with serving.server(database, mining=False) as server:
        listed = serving.p50_ms(server, PATTERNS, {"f": {"startTime": since}})
        page = [
            serving.p50_ms(server, PAGE, {"f": {"startTime": since, "patterns": [str(n)]}})
            for n, _ in chosen
        ]
    return [
        row(
            f"(e) `patterns` over the last 24 h ({count:,} logs, {len(sizes):,} patterns), p50",
            f"{listed:.1f} ms",
            "<= 100 ms",
        ),
        row(
            "(f) first page of 50 logs of one pattern over 24 h, p50: largest / top tenth /"
            f" median pattern ({' / '.join(f'{n:,}' for _, n in chosen)} logs)",
            " / ".join(f"{ms:.1f}" for ms in page) + " ms",
            "<= 50 ms",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.patterns", description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000, help="logs for (e) and (f)")
    parser.add_argument("--mine-rows", type=int, default=1_000_000, help="logs for (a), (g)")
    parser.add_argument("--rate", type=float, default=10_000, help="logs/s written in (c)")
    parser.add_argument("--seconds", type=float, default=30, help="how long (c) writes")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of (d)")
    parser.add_argument("--database", help="an existing database for (e, f), kept (else scratch)")
    parser.add_argument("--only", choices=["clustering", "serving", "reads"], help="one part")
    arguments = parser.parse_args()
    started = load()
    table: list[str] = []
    if arguments.only in (None, "clustering"):
        table += clustering(arguments.mine_rows)
    if arguments.only in (None, "serving"):
        table += serving_rows(arguments.rate, arguments.seconds, arguments.rounds)
    if arguments.only in (None, "reads"):
        if arguments.database:
            database = kept_database(arguments.database)
            with serving.server(database, mining=False):  # it migrates the database
                pass
            table += read_rows(database, arguments.rows)
        else:
            with migrated("lograph_bench_patterns_reads") as database:
                table += read_rows(database, arguments.rows)
    print(f"Started at {started}, ended at {load()} (2 cores, shared).\n")
    print("| metric | measured | target |\n|---|---|---|")
    print("\n".join(table))


if __name__ == "__main__":
    main()
