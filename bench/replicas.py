"""Reads through a streaming replica (issue 23 item 5, docs/replicas.md).

On a private primary with a replica replaying 500 ms behind (testing/replication.py), in one run:

1. the same GraphQL filter query's throughput through an app reading from the primary and
   through one reading from the replica, in interleaved rounds (median and range);
2. write-then-read pairs across two app processes (a log written through one, looked up by its
   unique service through the other, at once; one process waits up to 1 s for the replica, the
   other the default 0.1 s before asking the primary): how many reads missed their write (must
   be 0), and how many statements the replica ran meanwhile.

    .venv/bin/python -m bench.replicas [--rows 20000] [--rounds 5] [--seconds 5] [--pairs 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import secrets
import signal
import statistics
import time
from dataclasses import dataclass

import httpx

from bench.load import Load, graphql, measure
from testing.replication import ReplicatedCluster, replicated_cluster
from testing.server import Server, running_servers

FILTER = (
    "query($f: LogFilter) { logs(filter: $f, limit: 50) { id timestamp level service message } }"
)
FILTER_VARIABLES = {"f": {"levels": ["ERROR", "WARN"], "services": ["api", "web"]}}
CREATE = "mutation($i: LogInput!) { createLog(input: $i) { id } }"
FIND = "query($f: LogFilter) { logs(filter: $f, limit: 5) { id } }"
CONCURRENCY = 8  # connections of the throughput load
PAIRS_AT_ONCE = 32  # write-then-read pairs in flight together
BATCH = 1000  # logs per bulk request while loading
# The second process of the pairs waits for the replica (the first gives up after the default
# 0.1 s and asks the primary), so both ways of answering are counted.
PATIENT = {"REPLICA_WAIT_SECONDS": "1"}


@dataclass(slots=True)
class PairCount:
    done: int = 0
    misses: int = 0
    retried: int = 0  # requests sent again after the connection broke (the server closed it)


def app_env(cluster: ReplicatedCluster, *, replica: bool) -> dict[str, str]:
    env = {
        "DATABASE_URL": cluster.primary.url(),
        "ENABLE_ALERTS": "false",
        "ENABLE_PATTERNS": "false",
    }
    return env | ({"DATABASE_REPLICA_URLS": cluster.replica.url()} if replica else {})


def load_logs(server: Server, rows: int) -> None:
    levels, services = ["INFO", "ERROR", "WARN", "DEBUG"], ["api", "web", "db", "auth", "queue"]
    with httpx.Client(base_url=server.base_url, timeout=120) as client:
        for start in range(0, rows, BATCH):
            batch = [
                {
                    "level": levels[n % 4],
                    "service": services[n % 5],
                    "message": f"request {n} handled",
                }
                for n in range(start, min(rows, start + BATCH))
            ]
            client.post("/api/v1/bulk_logs", json=batch).raise_for_status()


def wait_until_replayed(cluster: ReplicatedCluster) -> None:
    """Until the replica has replayed everything the primary has written."""
    (target,) = cluster.primary.sql("SELECT pg_current_wal_lsn()")[0]
    while not cluster.replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'")[0][0]:
        time.sleep(0.1)


def throughputs(
    servers: dict[str, Server], *, rounds: int, seconds: float
) -> dict[str, list[float]]:
    calls = [graphql(FILTER, FILTER_VARIABLES)]
    load = Load(requests=10**9, seconds=seconds, concurrency=CONCURRENCY)
    warmup = Load(requests=200, seconds=5, concurrency=CONCURRENCY)
    found: dict[str, list[float]] = {name: [] for name in servers}
    for _ in range(rounds):
        for name, server in servers.items():
            found[name].append(measure(server.port, calls, load, warmup=warmup).per_second)
    return found


async def pairs(first: Server, second: Server, *, count: int) -> PairCount:
    """Write through one process and read through the other, alternating, PAIRS_AT_ONCE at once."""
    tally, numbers = PairCount(), itertools.count()
    limits = httpx.Limits(max_connections=PAIRS_AT_ONCE)
    async with (
        httpx.AsyncClient(base_url=first.base_url, timeout=60, limits=limits) as one,
        httpx.AsyncClient(base_url=second.base_url, timeout=60, limits=limits) as other,
    ):

        async def worker() -> None:
            while (number := next(numbers)) < count:
                writer, reader = (one, other) if number % 2 else (other, one)
                service = f"pair-{secrets.token_hex(6)}"
                log = {"level": "INFO", "service": service, "message": "m"}
                await _post(writer, tally, CREATE, i=log)
                found = await _post(reader, tally, FIND, f={"service": service})
                tally.misses += not found["logs"]
                tally.done += 1

        await asyncio.gather(*(worker() for _ in range(PAIRS_AT_ONCE)))
    return tally


async def _post(
    client: httpx.AsyncClient, tally: PairCount, query: str, **variables: object
) -> dict[str, list[object]]:
    """The answer's data; a request whose connection broke is sent once more (a write may then
    be stored twice, which cannot hide a miss: the read looks for at least one)."""
    payload = {"query": query, "variables": variables}
    try:
        answer = await client.post("/graphql", json=payload)
    except httpx.TransportError:
        tally.retried += 1
        answer = await client.post("/graphql", json=payload)
    answer.raise_for_status()
    body = answer.json()
    if body.get("errors"):
        raise RuntimeError(str(body["errors"])[:300])
    return dict(body["data"])


def replica_transactions(cluster: ReplicatedCluster) -> int:
    """Statements the replica has run in the app's database (each read is one transaction)."""
    rows = cluster.replica.sql("SELECT xact_commit FROM pg_stat_database WHERE datname = 'lograph'")
    return int(str(rows[0][0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--pairs", type=int, default=10_000)
    args = parser.parse_args()
    # A SIGTERM (`timeout`, a CI limit) unwinds as Ctrl-C does: servers and cluster stopped.
    signal.signal(signal.SIGTERM, _exit)
    with replicated_cluster(apply_delay="500ms") as cluster:
        envs = {
            "primary": app_env(cluster, replica=False),
            "replica": app_env(cluster, replica=True),
        }
        with (
            running_servers(1, env=envs["primary"]) as (primary,),
            running_servers(1, env=envs["replica"]) as (replica,),
            running_servers(1, env=envs["replica"] | PATIENT) as (second,),
        ):
            load_logs(primary, args.rows)
            wait_until_replayed(cluster)
            time.sleep(2)  # the replica monitor's next round sees it caught up
            rates = throughputs(
                {"primary": primary, "replica": replica}, rounds=args.rounds, seconds=args.seconds
            )
            report_rates(rates, rows=args.rows)
            time.sleep(1.5)  # the statistics of the replica's sessions are flushed within a second
            before = replica_transactions(cluster)
            started = time.monotonic()
            tally = asyncio.run(pairs(replica, second, count=args.pairs))
            elapsed = time.monotonic() - started
            time.sleep(1.5)
            on_replica = replica_transactions(cluster) - before
    report_pairs(tally, elapsed=elapsed, on_replica=on_replica)


def report_rates(rates: dict[str, list[float]], *, rows: int) -> None:
    print(f"load average: {_load()}; {rows:,} logs; {CONCURRENCY} connections\n")
    print("| GraphQL filter query (50 logs) | req/s median | range |")
    print("|---|---|---|")
    for name, values in rates.items():
        spread = f"{min(values):,.0f} to {max(values):,.0f}"
        print(f"| through the {name} | {statistics.median(values):,.0f} | {spread} |")
    ratio = statistics.median(rates["replica"]) / statistics.median(rates["primary"])
    print(f"| replica / primary | {ratio:.1%} | |\n", flush=True)


def report_pairs(tally: PairCount, *, elapsed: float, on_replica: int) -> None:
    print(f"load average: {_load()}\n")
    print("| write-then-read pairs, two processes, 500 ms apply delay | value |")
    print("|---|---|")
    print(f"| pairs | {tally.done:,} ({elapsed:.0f} s, {PAIRS_AT_ONCE} at once) |")
    print(f"| reads that missed their write | {tally.misses} |")
    print(f"| requests sent again after a broken connection | {tally.retried} |")
    print(f"| statements run on the replica meanwhile (reads and probes) | {on_replica:,} |")


def _exit(_signal: int, _frame: object) -> None:
    raise SystemExit(1)


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
