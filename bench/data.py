"""Synthetic but realistic logs: ~20 services, weighted levels, a 30-day spread, small metadata."""

from __future__ import annotations

import io
import itertools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

SERVICES = [
    *("api-gateway", "auth-service", "payment-service", "order-service", "inventory-service"),
    *("shipping-service", "notification-service", "search-service", "user-service", "cart"),
    *("recommendation", "billing", "email-worker", "report-worker", "scheduler"),
    *("analytics", "frontend", "cdn-edge", "fraud-detector", "audit-log"),
]
# Cumulative weights; busy services log far more than quiet ones (roughly Zipf).
SERVICE_WEIGHTS = list(itertools.accumulate(1 / rank for rank in range(1, len(SERVICES) + 1)))
LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
LEVEL_WEIGHTS = list(itertools.accumulate([5, 20, 55, 12, 7, 1]))
MESSAGES = [
    "GET /api/v1/orders/{n} 200 in {ms} ms",
    "POST /api/v1/payments 201 in {ms} ms",
    "cache miss for key user:{n}",
    "retrying upstream call (attempt {k}) after {ms} ms",
    "payment declined for order {n}: insufficient funds",
    "connection pool exhausted, waited {ms} ms",
    "job {n} finished, {k} items processed",
    "user {n} logged in from 10.0.{k}.{k}",
]
REGIONS = ["eu-west-1", "us-east-1", "ap-south-1"]
SPAN = timedelta(days=30)
LIVE_SPAN = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Window:
    """The time range synthetic logs fall in."""

    start: datetime
    end: datetime

    @classmethod
    def ending_now(cls, span: timedelta = SPAN) -> Window:
        """The `span` (by default 30 days) before now."""
        end = datetime.now(UTC).replace(microsecond=0)
        return cls(end - span, end)

    def slices(self, count: int) -> list[Window]:
        """`count` consecutive windows covering this one."""
        step = (self.end - self.start) / count
        return [Window(self.start + step * i, self.start + step * (i + 1)) for i in range(count)]


class LogFactory:
    """Draws log records from a seeded generator, so runs see the same data."""

    def __init__(self, window: Window, seed: int = 1) -> None:
        self.window = window
        self.rng = random.Random(seed)

    def service(self) -> str:
        return self.rng.choices(SERVICES, cum_weights=SERVICE_WEIGHTS)[0]

    def level(self) -> str:
        return self.rng.choices(LEVELS, cum_weights=LEVEL_WEIGHTS)[0]

    def instant(self) -> datetime:
        return self.window.start + (self.window.end - self.window.start) * self.rng.random()

    def record(self) -> dict[str, Any]:
        """One log in GraphQL `LogInput` shape (REST names metadata `metadata_`)."""
        rng = self.rng
        n, k, ms = rng.randrange(1, 10**6), rng.randrange(1, 10), rng.randrange(1, 2000)
        return {
            "timestamp": self.instant().isoformat(),
            "level": self.level(),
            "service": self.service(),
            "message": rng.choice(MESSAGES).format(n=n, k=k, ms=ms),
            "metadata": {
                "request_id": f"{rng.getrandbits(64):016x}",
                "region": rng.choice(REGIONS),
                "duration_ms": ms,
            },
        }

    def records(self, count: int, *, in_time_order: bool = False) -> list[dict[str, Any]]:
        records = [self.record() for _ in range(count)]
        if in_time_order:  # as a log store receives them; ISO strings in UTC sort as instants
            records.sort(key=lambda record: str(record["timestamp"]))
        return records


def rest_record(record: dict[str, Any]) -> dict[str, Any]:
    """The legacy REST LogCreate shape of a record."""
    rest = dict(record)
    rest["metadata_"] = rest.pop("metadata")
    return rest


def copy_buffer(records: list[dict[str, Any]], *, first_id: int) -> io.StringIO:
    """Rows in COPY text format for (id, timestamp, level, service, message, metadata)."""
    return io.StringIO(
        "".join(_copy_line(first_id + i, record) for i, record in enumerate(records))
    )


def _copy_line(log_id: int, record: dict[str, Any]) -> str:
    # The generated strings hold no tab, newline or backslash, so they need no escaping.
    return (
        f"{log_id}\t{record['timestamp']}\t{record['level']}\t{record['service']}\t"
        f"{record['message']}\t{orjson.dumps(record['metadata']).decode()}\n"
    )
