"""bench.alerts' ingest cost: 1000-log bulk batches over 20 services, in each scenario of rules,
timed at the cold start and at the steady state, with the CPU each batch took."""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.alert_deployment import CHECK_INTERVAL, Deployment, deployment, log, quiet_after, upsert
from bench.cpu import process_cpu_seconds, tree_cpu_seconds
from bench.data import SERVICES
from bench.grouped_rules import grouped_rules
from bench.stats import median
from testing.server import Server

# Besides the seeded defaults (ERROR 10/60 s, payment-service 5/60 s): rules every batch
# matches, with a 1 s cooldown, so they are evaluated after every batch and fire every second.
COST_RULES: list[dict[str, Any]] = [
    {"name": "warn-and-worse", "minLevel": "WARN", "threshold": 100, "cooldownSeconds": 1},
    {"name": "cart", "service": "cart", "threshold": 20, "cooldownSeconds": 1},
    {"name": "timeouts", "messageContains": "timeout", "threshold": 20, "cooldownSeconds": 1},
]
PHASES = ("cold start", "steady state")


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


@dataclass(frozen=True)
class Run:
    """One timed phase: logs per second, and CPU milliseconds per batch in the two app
    processes (with their children) and in the scratch database's PostgreSQL backends."""

    rate: float
    server_ms: float
    postgres_ms: float


@dataclass(frozen=True)
class Settling:
    """The wait after the cold start: seconds until the instances last changed, and the CPU
    seconds the servers and the backends spent in the whole wait (its quiet tail included)."""

    seconds: float
    server_cpu: float
    postgres_cpu: float


@dataclass
class Measured:
    """Each phase's runs by scenario, and each cold start's settling."""

    runs: dict[str, dict[str, list[Run]]] = field(
        default_factory=lambda: {phase: {one.label: [] for one in SCENARIOS} for phase in PHASES}
    )
    settled: dict[str, list[Settling]] = field(
        default_factory=lambda: {one.label: [] for one in SCENARIOS}
    )


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


def timed(deployed: Deployment, *, batches: int, concurrency: int) -> Run:
    """One phase of `batches`, with the CPU it took."""
    run = functools.partial(ingest_rate, deployed.servers, batches=batches, concurrency=concurrency)
    rate, servers, postgres = _with_cpu(deployed, lambda: asyncio.run(run()))
    return Run(rate, servers * 1000 / batches, postgres * 1000 / batches)


def settling(deployed: Deployment) -> Settling:
    """Wait until no lifecycle instance has changed for longer than a sweep's interval."""
    wait = functools.partial(quiet_after, deployed.database, quiet=CHECK_INTERVAL + 1)
    return Settling(*_with_cpu(deployed, wait))


def _with_cpu(deployed: Deployment, work: Callable[[], float]) -> tuple[float, float, float]:
    """What `work` returns, and the CPU seconds the servers and the database's backends spent
    meanwhile (a backend opened meanwhile counts from 0)."""
    servers_before = sum(tree_cpu_seconds(server.pid) for server in deployed.servers)
    backends_before = _backends_cpu(deployed)
    result = work()
    servers = sum(tree_cpu_seconds(server.pid) for server in deployed.servers) - servers_before
    backends = _backends_cpu(deployed)
    postgres = sum(seconds - backends_before.get(pid, 0.0) for pid, seconds in backends.items())
    return result, servers, postgres


def _backends_cpu(deployed: Deployment) -> dict[int, float]:
    with deployed.database.connect() as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (deployed.database.name,),
        )
        return {pid: process_cpu_seconds(pid) for (pid,) in cursor.fetchall()}


def measure_ingest(*, rounds: int, batches: int, concurrency: int) -> Measured:
    """Every scenario once per round, each on a fresh database: a few batches before the rules
    are stored (connections and code warm), the cold start timed over `batches`, an untimed
    wait until no lifecycle instance has changed for longer than a sweep's interval, then the
    steady state timed over `batches`."""
    measured = Measured()
    for _ in range(rounds):
        for scenario in SCENARIOS:
            with deployment(alerts=scenario.alerts) as deployed:
                asyncio.run(ingest_rate(deployed.servers, batches=5, concurrency=concurrency))
                asyncio.run(store_rules(deployed.servers, scenario.rules))
                phase = functools.partial(timed, deployed, batches=batches, concurrency=concurrency)
                measured.runs[PHASES[0]][scenario.label].append(phase())
                measured.settled[scenario.label].append(settling(deployed))
                measured.runs[PHASES[1]][scenario.label].append(phase())
    return measured


def phase_rows(measured: Measured, phase: str) -> list[str]:
    """Per scenario in one phase: the median rate and CPU per batch, and the rate's ratio to
    alerts off in that phase."""
    runs = measured.runs[phase]
    baseline = median([run.rate for run in runs[SCENARIOS[0].label]])
    rows = [
        f"| ingest, bulk 1000 over 2 processes, {phase} | logs/s (median) | vs off | runs "
        "| CPU ms per batch: servers | PostgreSQL |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label, each in runs.items():
        rate = median([run.rate for run in each])
        rates = " / ".join(f"{run.rate:,.0f}" for run in each)
        server = median([run.server_ms for run in each])
        postgres = median([run.postgres_ms for run in each])
        rows.append(
            f"| {label} | {rate:,.0f} | {rate / baseline:.3f} | {rates} "
            f"| {server:.1f} | {postgres:.1f} |"
        )
    return rows


def settled_rows(measured: Measured) -> list[str]:
    """The untimed wait between the phases: the cold start's work still queued when its last
    batch was answered."""
    rows = [
        "| after the cold start | instances last changed after (median) | runs "
        "| CPU s in the wait: servers | PostgreSQL |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label, runs in measured.settled.items():
        each = " / ".join(f"{run.seconds:.1f} s" for run in runs)
        server = median([run.server_cpu for run in runs])
        postgres = median([run.postgres_cpu for run in runs])
        rows.append(
            f"| {label} | {median([run.seconds for run in runs]):.1f} s | {each} "
            f"| {server:.1f} | {postgres:.1f} |"
        )
    return rows
