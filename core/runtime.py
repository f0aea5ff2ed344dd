"""The app's runtime container: what every request may use, built once when the app starts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from broker.hub import Hub
from core.access import PerCallerCap
from core.keys import KeyRing
from core.ratelimit import RateLimiter
from core.retention import Retention
from core.tail_reader import TailBatch, TailReader
from db.alert_history import AlertRecord
from db.engine import Database
from db.logs import LogRecord

# Per key (or per client address when anonymous), in each process.
MAX_SOCKETS_PER_CALLER = 100
MAX_SUBSCRIPTIONS_PER_CALLER = 500

WriteListener = Callable[[Sequence[LogRecord]], None]
RulesListener = Callable[[], Awaitable[None]]


@dataclass
class Runtime:
    """App-lifetime dependencies shared by GraphQL fields, REST routes and probes."""

    db: Database
    alert_hub: Hub[AlertRecord]
    keys: KeyRing
    limiter: RateLimiter
    log_hub: Hub[TailBatch]
    tail_reader: TailReader
    retention: Retention
    sockets: PerCallerCap = field(default_factory=lambda: PerCallerCap(MAX_SOCKETS_PER_CALLER))
    subscriptions: PerCallerCap = field(
        default_factory=lambda: PerCallerCap(MAX_SUBSCRIPTIONS_PER_CALLER)
    )
    write_listeners: list[WriteListener] = field(default_factory=list)
    # How long an Idempotency-Key claim outlives its holder's last renewal.
    idempotency_lease_seconds: float = 60.0
    rules_listeners: list[RulesListener] = field(default_factory=list)

    def logs_written(self, logs: Sequence[LogRecord]) -> None:
        """The one hook on the write path; listeners must hand work off, not do it here."""
        for listener in self.write_listeners:
            listener(logs)

    async def rules_changed(self) -> None:
        """After an alert rule was stored or deleted."""
        for listener in self.rules_listeners:
            await listener()


def get_runtime(connection: HTTPConnection) -> Runtime:
    """The runtime of the app serving this request or WebSocket."""
    runtime: Runtime = connection.app.state.runtime
    return runtime


async def _runtime_dependency(connection: HTTPConnection) -> Runtime:
    """`get_runtime` for FastAPI: a plain `def` dependency would cost a hop to anyio's thread
    pool on every request."""
    return get_runtime(connection)


RuntimeDep = Annotated[Runtime, Depends(_runtime_dependency)]
