"""What lograph counts, for Prometheus; `/metrics` (ops/metrics.py) serves it.

With several workers, set PROMETHEUS_MULTIPROC_DIR to an empty folder shared by them (as
prometheus-client's multiprocess mode requires): each process writes its samples there, and
`/metrics`, whichever worker answers, adds them up. Without it, a process reports its own.
"""

from __future__ import annotations

import os
from collections import Counter as Tally
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache, lru_cache
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import Engine, event

from db.logs import LogRecord
from db.replicas import ReplicaState, ReplicaStatus

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ
_LIVE: dict[str, Any] = {"multiprocess_mode": "livesum"} if MULTIPROCESS else {}

HTTP_REQUESTS = Counter(
    "lograph_http_requests",
    "HTTP requests by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "lograph_http_request_duration_seconds",
    "HTTP request latency by route template.",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRAPHQL_OPERATIONS = Counter(
    "lograph_graphql_operations", "GraphQL operations by type and outcome.", ["type", "outcome"]
)
LOGS_INGESTED = Counter("lograph_logs_ingested", "Logs written, by level.", ["level"])
ALERTS_FIRED = Counter("lograph_alerts_fired", "Alerts fired, by rule.", ["rule"])
SUBSCRIPTIONS = Gauge(
    "lograph_subscriptions_active", "Live subscriptions, by kind.", ["kind"], **_LIVE
)
POOL_IN_USE = Gauge(
    "lograph_db_pool_connections_in_use", "Database connections checked out.", **_LIVE
)
REPLICA_UP = Gauge(
    "lograph_replica_up",
    "1 while a read replica serves reads, 0 while it is down, lagging or no replica.",
    ["replica"],
    multiprocess_mode="livemin",
)
REPLICA_LAG = Gauge(
    "lograph_replica_lag_seconds",
    "How far a read replica's replay is behind the primary, as last probed.",
    ["replica"],
    multiprocess_mode="livemax",
)
RATE_LIMITED = Counter("lograph_rate_limit_refusals", "Requests refused by a rate limit.")
PATTERN_LOGS = Counter(
    "lograph_pattern_logs",
    "Logs the pattern miner took in, by outcome: assigned a pattern, over_caps (too long or too"
    " many words to mine), dropped (their pattern was evicted in the same batch).",
    ["outcome"],
)
PATTERNS_EVICTED = Counter(
    "lograph_patterns_evicted", "Patterns evicted by the per-service cap (least recently seen)."
)


_LATEST: dict[str, Any] = {"multiprocess_mode": "mostrecent"} if MULTIPROCESS else {}
RETENTION_LAST_PASS = Gauge(
    "lograph_retention_last_pass",
    "The last retention pass of this process: partitions dropped, logs deleted, and when it "
    "ended (seconds since the epoch).",
    ["what"],
    **_LATEST,
)
RETENTION_FAILURES = Counter(
    "lograph_retention_pass_failures", "Maintenance passes that failed (retried next pass)."
)


def retention_pass(*, dropped_partitions: int, deleted_logs: int, ended: float) -> None:
    RETENTION_LAST_PASS.labels("dropped_partitions").set(dropped_partitions)
    RETENTION_LAST_PASS.labels("deleted_logs").set(deleted_logs)
    RETENTION_LAST_PASS.labels("ended_at").set(ended)


@lru_cache(maxsize=1024)  # route templates, methods and statuses: a few dozen in practice
def http_samples(route: str, method: str, status: int) -> tuple[Counter, Histogram]:
    """Where a request's count and latency go. `labels()` checks and locks on every call, and
    every request records both."""
    return HTTP_REQUESTS.labels(route, method, str(status)), HTTP_LATENCY.labels(route, method)


@cache  # operation types times two outcomes
def graphql_operations(kind: str, outcome: str) -> Counter:
    """Where a GraphQL operation is counted (see `http_samples`)."""
    return GRAPHQL_OPERATIONS.labels(kind, outcome)


def logs_written(logs: Sequence[LogRecord]) -> None:
    """A write listener: count by level, one increment per level (bulks bring thousands)."""
    for level, count in Tally(log.level for log in logs).items():
        LOGS_INGESTED.labels(level.value).inc(count)


@contextmanager
def subscription_active(kind: str) -> Iterator[None]:
    """Count one live subscription of this kind (`alerts`, `logs`) while the block runs."""
    gauge = SUBSCRIPTIONS.labels(kind)
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()


def watch_pool(engine: Engine) -> None:
    """Count the connections this engine's pool has checked out."""
    event.listen(engine, "checkout", lambda *_: POOL_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: POOL_IN_USE.dec())


def replicas_seen(statuses: Sequence[ReplicaStatus]) -> None:
    """The replica monitor's listener: each replica's state and lag as last probed."""
    for status in statuses:
        REPLICA_UP.labels(status.name).set(1 if status.state is ReplicaState.UP else 0)
        REPLICA_LAG.labels(status.name).set(status.lag_seconds)


def patterns_mined(*, assigned: int, over_caps: int, dropped: int, evicted: int) -> None:
    """Count what one stored batch of the pattern miner did."""
    for outcome, count in (("assigned", assigned), ("over_caps", over_caps), ("dropped", dropped)):
        PATTERN_LOGS.labels(outcome).inc(count)
    PATTERNS_EVICTED.inc(evicted)
