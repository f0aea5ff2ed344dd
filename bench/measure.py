"""Turning a load on the server into a metric: latency, throughput, or bulk ingest rate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.cpu import CpuUsage, cpu_meter, wait_until_quiet
from bench.load import Call, Load, Run, measure
from bench.report import Metric
from bench.stats import Latency
from testing.server import Server

WARMUP_REQUESTS = 5
WARMUP_SECONDS = 1.0
# Other work on a shared machine skews every number: give it a moment to pass before measuring.
QUIET_PERCENT = 15.0
QUIET_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Measurement:
    """Requests to send (cycling through `calls`) and what the result is held against."""

    key: str
    name: str
    calls: Sequence[Call]
    requests: int
    target: float | None = None
    baseline: str = "—"


def settle() -> None:
    """Wait (bounded) for the machine to go quiet before a measurement."""
    wait_until_quiet(threshold=QUIET_PERCENT, timeout_s=QUIET_TIMEOUT_S)


def sequential(server: Server, spec: Measurement, *, budget_s: float) -> Run:
    """One client sending one request at a time, after a few untimed ones."""
    warmup = Load(min(WARMUP_REQUESTS, spec.requests), budget_s)
    return measure(server.port, spec.calls, Load(spec.requests, budget_s), warmup=warmup)


def latency(server: Server, spec: Measurement, *, budget_s: float) -> Metric:
    """p50 of sequential requests; the target is a p50 ceiling in milliseconds."""
    ((run, cpu),) = _rounds(server, 1, lambda: sequential(server, spec, budget_s=budget_s))
    result = Latency.of(run.latencies)
    return Metric(
        spec.key,
        f"{spec.name} p50",
        result.p50_ms,
        "ms",
        detail=f"p95 {result.p95_ms:.1f} ms, n={result.count}",
        target="—" if spec.target is None else f"≤ {spec.target:g} ms",
        baseline=spec.baseline,
        passed=None if spec.target is None else result.p50_ms <= spec.target,
        cpu=cpu,
    )


def _rounds(server: Server, repeats: int, go: Callable[[], Run]) -> list[tuple[Run, CpuUsage]]:
    """Run a load `repeats` times on a settled machine; slowest first."""
    rounds = []
    for _ in range(repeats):
        settle()
        with cpu_meter(server.pid) as cpu:
            run = go()
        rounds.append((run, cpu))
    return sorted(rounds, key=lambda pair: pair[0].per_second)


def _spread(rounds: list[tuple[Run, CpuUsage]], scale: float = 1.0) -> str:
    if len(rounds) == 1:
        return "1 run"
    low, high = (scale * rounds[index][0].per_second for index in (0, -1))
    return f"median of {len(rounds)}, range {low:,.0f} to {high:,.0f}"


def throughput(
    server: Server, spec: Measurement, *, concurrency: int, seconds: float, repeats: int
) -> Metric:
    """Requests/s from `concurrency` loops over `seconds` (median run); the target is a floor."""
    load = Load(spec.requests, seconds, concurrency)
    warmup = Load(spec.requests, WARMUP_SECONDS, concurrency)
    rounds = _rounds(server, repeats, lambda: measure(server.port, spec.calls, load, warmup=warmup))
    run, cpu = rounds[len(rounds) // 2]
    target = spec.target or 0.0
    return Metric(
        spec.key,
        f"{spec.name}, concurrency {concurrency}",
        run.per_second,
        "req/s",
        detail=f"p50 {Latency.of(run.latencies).p50_ms:.1f} ms; {_spread(rounds)}",
        target=f"≥ {target:,.0f} req/s",
        baseline=spec.baseline,
        passed=run.per_second >= target,
        cpu=cpu,
    )


def ingest_rate(
    server: Server, spec: Measurement, *, batch: int, ceiling: float, budget_s: float, repeats: int
) -> Metric:
    """Logs/s of sequential batches (median run); the target is a share of the COPY ceiling."""
    rounds = _rounds(server, repeats, lambda: sequential(server, spec, budget_s=budget_s))
    run, cpu = rounds[len(rounds) // 2]
    rate = run.per_second * batch
    share = 100 * rate / ceiling
    target = spec.target or 0.0
    return Metric(
        spec.key,
        f"{spec.name}, {batch}-log batches",
        rate,
        "logs/s",
        detail=f"{share:.1f}% of (a); {len(run.latencies)} batches, {_spread(rounds, batch)}",
        target=f"≥ {target:g}% of (a)",
        baseline=spec.baseline,
        passed=share >= target,
        cpu=cpu,
    )
