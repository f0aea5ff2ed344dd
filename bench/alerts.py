"""The alert benchmark on PostgreSQL and Redis: `python -m bench.alerts [--firings N]`.

(a) Latency: two app processes share a scratch database and Redis; a subscriber listens on
each. Every firing trips its own rule with one write; the time runs from that write's response
to each subscriber receiving the alert (on the writing process, and on the other via Redis),
for one-shot rules and for lifecycle rules' FIRING transitions.
(b) Cost (bench/alert_ingest.py): ingest rate and CPU per batch of 1000-log bulk batches over
20 services with alerts off, on with the seeded defaults, on with three more rules that fire
every second, and on with 100 lifecycle rules grouped by service (bench/grouped_rules.py). Each
scenario runs on a fresh database in two timed phases: the cold start, the first batches after
the rules are stored (when the grouped rules open their ~2,000 instances), and the steady state,
as many batches again once those have settled, as a service that has run with its rules for a
while ingests. Each phase's ratio is to alerts off in the same phase. Prints markdown tables and
the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import Any

import httpx

from bench.alert_deployment import Subscriber, deployment, log, post_logs, subscribers, upsert
from bench.alert_ingest import PHASES, measure_ingest, phase_rows, settled_rows
from bench.stats import percentile
from testing.server import Server

THRESHOLD = 3


async def warm_up(
    client: httpx.AsyncClient, servers: Sequence[Server], listening: list[Subscriber]
) -> None:
    """Fire a throwaway rule through the second process: its rules and every socket are live."""
    await upsert(client, servers[0], "warm-up", service="warm-up", threshold=1, cooldownSeconds=0)
    for _ in range(50):
        await post_logs(client, servers[1], [log("warm-up")])
        try:
            await asyncio.gather(*(each.arrival("warm-up", within=0.5) for each in listening))
            return
        except TimeoutError:
            continue
    raise RuntimeError("the warm-up alert never reached every subscriber")


KINDS: dict[str, dict[str, Any]] = {
    "one-shot firing": {},
    "lifecycle FIRING transition": {"lifecycle": True},
}


async def latencies(servers: Sequence[Server], firings: int) -> dict[str, list[float]]:
    """Seconds from the crossing write's response to each subscriber's receipt, by rule kind
    and the subscriber's process; the kinds take turns."""
    wheres = ("same process", "other process (Redis)")
    measured: dict[str, list[float]] = {f"{k}, {w}": [] for k in KINDS for w in wheres}
    names = [
        (f"bench-{index}-{number}", kind)
        for index in range(firings)
        for number, kind in enumerate(KINDS)
    ]
    async with (
        httpx.AsyncClient(trust_env=False, timeout=30) as client,
        subscribers(servers) as listening,
    ):
        for name, kind in names:
            await upsert(client, servers[0], name, service=name, threshold=THRESHOLD, **KINDS[kind])
        await warm_up(client, servers, listening)
        for index, (name, kind) in enumerate(names):
            writer, other = servers[index // 2 % 2], servers[1 - index // 2 % 2]
            await post_logs(client, other, [log(name)] * (THRESHOLD - 1))
            responded = await post_logs(client, writer, [log(name)])
            for subscriber in listening:
                arrived = await subscriber.arrival(name)
                where = wheres[0] if subscriber.server is writer else wheres[1]
                measured[f"{kind}, {where}"].append(arrived - responded)
    return measured


def latency_rows(measured: dict[str, list[float]]) -> list[str]:
    """p50/p99; an alert that beat the write's response to the client counts as 0 ms."""
    rows = ["| alert latency (write response → subscriber) | p50 | p99 | firings | early |"]
    rows.append("| --- | --- | --- | --- | --- |")
    for what, seconds in measured.items():
        millis = [max(value, 0.0) * 1000 for value in seconds]
        p50, p99 = percentile(millis, 50), percentile(millis, 99)
        early = sum(value < 0 for value in seconds)
        rows.append(f"| {what} | {p50:.1f} ms | {p99:.1f} ms | {len(millis)} | {early} |")
    return rows


def load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="alert latency and the ingest cost of alerts")
    parser.add_argument("--firings", type=int, default=60)
    parser.add_argument("--batches", type=int, default=100, help="1000-log batches per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    print(f"load average at the start: {load_average()}", flush=True)
    with deployment(alerts=True) as deployed:
        measured = asyncio.run(latencies(deployed.servers, args.firings))
    print("\n".join([*latency_rows(measured), ""]), flush=True)  # kept if the ingest part fails
    ingest = measure_ingest(rounds=args.rounds, batches=args.batches, concurrency=args.concurrency)
    for phase in PHASES:
        print("\n".join([*phase_rows(ingest, phase), ""]))
    print("\n".join([*settled_rows(ingest), ""]))
    print(f"load average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
