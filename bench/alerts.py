"""The alert benchmark on PostgreSQL and Redis: `python -m bench.alerts [--firings N]`.

(a) Latency: two app processes share a scratch database and Redis; a subscriber listens on
each. Every firing trips its own rule with one write; the time runs from that write's response
to each subscriber receiving the alert (on the writing process, and on the other via Redis),
for one-shot rules and for lifecycle rules' FIRING transitions.
(b) Cost: ingest rate of 1000-log bulk batches over 20 services with alerts off, on with the
seeded defaults, on with three more rules that fire every second, and on with 100 lifecycle
rules grouped by service (bench/grouped_rules.py). Each scenario runs on a fresh database in two
timed phases: the cold start, the first batches after the rules are stored (when the grouped
rules open their ~2,000 instances), and the steady state, as many batches again once those have
settled, as a service that has run with its rules for a while ingests. Each phase's ratio is to
alerts off in the same phase. Prints markdown tables and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from bench.alert_deployment import CHECK_INTERVAL, Subscriber, deployment, quiet_after, subscribers
from bench.data import SERVICES
from bench.grouped_rules import grouped_rules
from bench.stats import median, percentile
from testing.server import Server

THRESHOLD = 3
UPSERT = "mutation($input: AlertRuleInput!) { upsertAlertRule(input: $input) { name } }"
# Besides the seeded defaults (ERROR 10/60 s, payment-service 5/60 s): rules every batch
# matches, with a 1 s cooldown, so they are evaluated after every batch and fire every second.
COST_RULES: list[dict[str, Any]] = [
    {"name": "warn-and-worse", "minLevel": "WARN", "threshold": 100, "cooldownSeconds": 1},
    {"name": "cart", "service": "cart", "threshold": 20, "cooldownSeconds": 1},
    {"name": "timeouts", "messageContains": "timeout", "threshold": 20, "cooldownSeconds": 1},
]


async def graphql(client: httpx.AsyncClient, server: Server, query: str, **variables: Any) -> None:
    response = await client.post(
        f"{server.base_url}/graphql", json={"query": query, "variables": variables}
    )
    body = response.json()
    if "errors" in body:
        raise RuntimeError(body["errors"])


async def upsert(client: httpx.AsyncClient, server: Server, name: str, **fields: Any) -> None:
    """Store a rule with a 60 s window unless given."""
    rule = {"name": name, "windowSeconds": 60, **fields}
    await graphql(client, server, UPSERT, input=rule)


async def post_logs(client: httpx.AsyncClient, server: Server, logs: list[dict[str, Any]]) -> float:
    """POST a bulk batch; the perf_counter time its response arrived."""
    response = await client.post(f"{server.base_url}/api/v1/bulk_logs/", json=logs)
    response.raise_for_status()
    return time.perf_counter()


def log(service: str, level: str = "ERROR", message: str = "card declined") -> dict[str, Any]:
    return {"level": level, "service": service, "message": message}


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


def batch(index: int) -> list[dict[str, Any]]:
    """1000 logs over 20 services: mostly INFO, some WARN/ERROR, some timeouts and retries."""
    levels = ["INFO"] * 16 + ["DEBUG"] * 2 + ["WARN", "ERROR"]
    messages = [_message(i) for i in range(1000)]
    count = len(SERVICES)
    return [log(SERVICES[i % count], levels[(i + index) % 20], messages[i]) for i in range(1000)]


def _message(i: int) -> str:
    if i % 50 == 0:
        return "upstream timeout"
    return f"retrying request {i}" if i % 50 == 1 else f"request {i}"


async def ingest_rate(servers: Sequence[Server], *, batches: int, concurrency: int) -> float:
    """Logs per second for `batches` bulk POSTs of 1000, `concurrency` at a time, both processes."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for index in range(batches):
        queue.put_nowait(json.dumps(batch(index)).encode())
    headers = {"content-type": "application/json"}

    async def worker(client: httpx.AsyncClient, server: Server) -> None:
        url = f"{server.base_url}/api/v1/bulk_logs/"
        while not queue.empty():
            response = await client.post(url, content=queue.get_nowait(), headers=headers)
            response.raise_for_status()

    async with httpx.AsyncClient(trust_env=False, timeout=60) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client, servers[i % 2]) for i in range(concurrency)))
        return batches * 1000 / (time.perf_counter() - started)


async def store_rules(servers: Sequence[Server], rules: list[dict[str, Any]]) -> None:
    async with httpx.AsyncClient(trust_env=False, timeout=60) as client:
        for rule in rules:
            await upsert(client, servers[0], **rule)


@dataclass(frozen=True)
class Scenario:
    label: str
    alerts: bool
    rules: list[dict[str, Any]]


SCENARIOS = [
    Scenario("ENABLE_ALERTS=false", alerts=False, rules=[]),
    Scenario("ENABLE_ALERTS=true, seeded defaults only", alerts=True, rules=[]),
    Scenario("ENABLE_ALERTS=true, + 3 rules firing every second", alerts=True, rules=COST_RULES),
    Scenario(
        "ENABLE_ALERTS=true, + 100 lifecycle rules, groupBy service",
        alerts=True,
        rules=grouped_rules(100),
    ),
]


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


PHASES = ("cold start", "steady state")


def ingest_rows(phase: str, rates: dict[str, list[float]]) -> list[str]:
    """Median rate per scenario in one phase, and its ratio to alerts off in that phase."""
    baseline = median(rates[SCENARIOS[0].label])
    rows = [f"| ingest, bulk 1000 over 2 processes, {phase} | logs/s (median) | vs off | runs |"]
    rows.append("| --- | --- | --- | --- |")
    for label, runs in rates.items():
        rate = median(runs)
        each = " / ".join(f"{run:,.0f}" for run in runs)
        rows.append(f"| {label} | {rate:,.0f} | {rate / baseline:.3f} | {each} |")
    return rows


@dataclass
class Measured:
    """Each phase's rates by scenario, and how long each scenario's cold start took to settle."""

    rates: dict[str, dict[str, list[float]]]
    settled: dict[str, list[float]]


def measure_ingest(*, rounds: int, batches: int, concurrency: int) -> Measured:
    """Every scenario once per round, each on a fresh database: a few batches before the rules
    are stored (connections and code warm), the cold start timed over `batches`, an untimed
    wait until no lifecycle instance has changed for longer than a sweep's interval, then the steady
    state timed over `batches`."""
    measured = Measured(
        rates={phase: {scenario.label: [] for scenario in SCENARIOS} for phase in PHASES},
        settled={scenario.label: [] for scenario in SCENARIOS},
    )
    for _ in range(rounds):
        for scenario in SCENARIOS:
            with deployment(alerts=scenario.alerts) as deployed:
                run = functools.partial(ingest_rate, deployed.servers, concurrency=concurrency)
                asyncio.run(run(batches=5))
                asyncio.run(store_rules(deployed.servers, scenario.rules))
                measured.rates[PHASES[0]][scenario.label].append(asyncio.run(run(batches=batches)))
                settled = quiet_after(deployed.database, quiet=CHECK_INTERVAL + 1)
                measured.settled[scenario.label].append(settled)
                measured.rates[PHASES[1]][scenario.label].append(asyncio.run(run(batches=batches)))
    return measured


def settled_rows(settled: dict[str, list[float]]) -> list[str]:
    rows = [
        "| after the cold start, instances unchanged after | median | runs |",
        "| --- | --- | --- |",
    ]
    for label, runs in settled.items():
        each = " / ".join(f"{run:.1f} s" for run in runs)
        rows.append(f"| {label} | {median(runs):.1f} s | {each} |")
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
    for phase, by_scenario in ingest.rates.items():
        print("\n".join([*ingest_rows(phase, by_scenario), ""]))
    print("\n".join([*settled_rows(ingest.settled), ""]))
    print(f"load average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
