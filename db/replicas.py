"""Read replicas: which streaming replica may serve a read so that it misses no acknowledged
write, and each replica's health.

A read first learns the primary's WAL position (db/positions.py; one fetch serves every read
that arrived while the previous one was out), then takes a usable replica that has replayed
that far, waiting up to `wait_seconds` for one; otherwise the primary serves it. A monitor
probes every replica each MONITOR_SECONDS: one that does not answer is down, one that replays
more than `max_lag_seconds` behind the primary is lagging; both are skipped until a probe
finds them well again. Lag is bounded by this process's own samples of the primary's position
and by the age of the last commit the replica replayed (`_lag`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from enum import Enum
from typing import Protocol, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL, make_url

from db.positions import Fresh, replayed_position
from settings import Settings

T = TypeVar("T")
logger = logging.getLogger("lograph.replicas")
MONITOR_SECONDS = 1.0  # between two probes of every replica
PROBE_SECONDS = 1.0  # a probe that takes longer finds the replica down
POLL_SECONDS = 0.005  # between two looks at a replica a read waits for
SAMPLE_SECONDS = 0.05  # the primary's positions kept for lag: at most one per this interval
SAMPLES_KEPT = 4800  # four minutes of them


def shown_url(url: str) -> str:
    """A database URL as operators may see it: backend, user, host, port and database, never
    the password."""
    parsed = make_url(url)
    shown = URL.create(
        parsed.get_backend_name(),
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
    )
    return shown.render_as_string(hide_password=False)


class ReplicaState(Enum):
    UP = "up"
    LAGGING = "lagging"
    DOWN = "down"
    NOT_A_REPLICA = "not a replica"  # a server that is not in recovery


@dataclass(frozen=True, slots=True)
class ReplicaSettings:
    urls: tuple[str, ...] = ()
    max_lag_seconds: float = 5.0
    wait_seconds: float = 0.1

    @classmethod
    def of(cls, settings: Settings) -> ReplicaSettings:
        return cls(
            urls=tuple(settings.database_replica_urls),
            max_lag_seconds=settings.replica_max_lag_seconds,
            wait_seconds=settings.replica_wait_seconds,
        )


@dataclass(frozen=True, slots=True)
class ReplicaEngines:
    name: str  # its URL without the password
    reads: Engine
    probes: Engine


@dataclass(frozen=True, slots=True)
class ReplicaStatus:
    """What /readyz and /metrics show of one replica."""

    name: str
    state: ReplicaState
    lag_seconds: float


class Runner(Protocol):
    """Runs work on an engine's autocommit connection off the loop, within `seconds`."""

    def __call__(
        self, engine: Engine, work: Callable[[Connection], T], *, seconds: float
    ) -> Awaitable[T]: ...


class Replica:
    """One replica's pool and what the last probe found."""

    def __init__(self, engines: ReplicaEngines, *, probe: Callable[[], Awaitable[None]]) -> None:
        self.name = engines.name
        self.reads = engines.reads
        self.probes = engines.probes
        self.state = ReplicaState.DOWN  # until the first probe answers
        self.replayed = 0
        self.lag_seconds = 0.0
        self.probe = Fresh(probe)

    def failed(self, error: BaseException) -> None:
        """Stop sending reads here until a probe answers again."""
        if self.state is not ReplicaState.DOWN:
            logger.warning("lograph: read replica %s is down: %s", self.name, error)
        self.state, self.replayed = ReplicaState.DOWN, 0

    def status(self) -> ReplicaStatus:
        return ReplicaStatus(self.name, self.state, round(self.lag_seconds, 3))


class ReplicaSet:
    """The replicas of one primary, and the choice of one for each read."""

    def __init__(
        self,
        replicas: Sequence[ReplicaEngines],
        *,
        settings: ReplicaSettings,
        primary_position: Callable[[], Awaitable[int]],
        run: Runner,
    ) -> None:
        self.settings = settings
        self._run = run
        self._read_primary = primary_position
        self._primary = Fresh(self._sample_primary)
        self._samples: deque[tuple[float, int]] = deque(maxlen=SAMPLES_KEPT)
        self.replicas = [self._replica(engines) for engines in replicas]
        self._turn = 0
        self._monitor: asyncio.Task[None] | None = None
        self.on_status: Callable[[Sequence[ReplicaStatus]], None] | None = None

    async def caught_up(self) -> Replica | None:
        """A replica that has replayed every write acknowledged before this call, or None
        (the primary serves the read)."""
        self._start_monitor()
        if not any(replica.state is ReplicaState.UP for replica in self.replicas):
            return None
        try:
            target = await self._primary.get()
        except Exception:  # the primary's own read will say what is wrong
            return None
        deadline = time.monotonic() + self.settings.wait_seconds
        while (replica := self._reached(target)) is None and time.monotonic() < deadline:
            await self._probe_usable(deadline)
            if self._reached(target) is None:
                await asyncio.sleep(POLL_SECONDS)
        return replica or self._reached(target)

    def watch(self, on_status: Callable[[Sequence[ReplicaStatus]], None]) -> None:
        """Start probing now (not at the first read), telling `on_status` after each round."""
        self.on_status = on_status
        self._start_monitor()

    def statuses(self) -> list[ReplicaStatus]:
        return [replica.status() for replica in self.replicas]

    def close(self) -> None:
        if self._monitor is not None:
            self._monitor.cancel()
        for replica in self.replicas:
            replica.reads.dispose()
            replica.probes.dispose()

    def _reached(self, target: int) -> Replica | None:
        """The next usable replica, in turn, that has replayed up to `target`."""
        count = len(self.replicas)
        for step in range(count):
            replica = self.replicas[(self._turn + step) % count]
            if replica.state is ReplicaState.UP and replica.replayed >= target:
                self._turn = (self._turn + step + 1) % count
                return replica
        return None

    async def _probe_usable(self, deadline: float) -> None:
        probes = [r.probe.get() for r in self.replicas if r.state is ReplicaState.UP]
        if probes:
            await asyncio.wait(
                [asyncio.ensure_future(probe) for probe in probes],
                timeout=max(0.0, deadline - time.monotonic()),
            )

    def _replica(self, engines: ReplicaEngines) -> Replica:
        replica: Replica

        async def probe() -> None:
            await self._probe(replica)

        replica = Replica(engines, probe=probe)
        return replica

    async def _probe(self, replica: Replica) -> None:
        """Update the replica's position, lag and state from one look at it."""
        try:
            replayed = await self._run(replica.probes, replayed_position, seconds=PROBE_SECONDS)
        except Exception as error:
            replica.failed(error)
            return
        if replayed is None:
            replica.state, replica.replayed = ReplicaState.NOT_A_REPLICA, 0
            return
        replica.replayed = max(replica.replayed, replayed.position)
        replica.lag_seconds = self._lag(replica.replayed, commit_age=replayed.commit_age)
        lagging = replica.lag_seconds > self.settings.max_lag_seconds
        state = ReplicaState.LAGGING if lagging else ReplicaState.UP
        if state is not replica.state:
            logger.info("lograph: read replica %s is %s", replica.name, state.value)
        replica.state = state

    async def _sample_primary(self) -> int:
        position = await self._read_primary()
        now = time.monotonic()
        if not self._samples or now - self._samples[-1][0] >= SAMPLE_SECONDS:
            self._samples.append((now, position))
        return position

    def _lag(self, replayed: int, *, commit_age: float) -> float:
        """How far behind the replica is at most: 0 once it has replayed the primary's last
        known position; else the time since the last sample it has replayed, or since the last
        commit it replayed (long ago when the primary was idle before), whichever is less."""
        if not self._samples or replayed >= self._samples[-1][1]:
            return 0.0
        since_sample = math.inf
        for sampled_at, position in reversed(self._samples):
            if position <= replayed:
                since_sample = time.monotonic() - sampled_at
                break
        lag = min(since_sample, commit_age)
        return max(0.0, lag) if math.isfinite(lag) else self.settings.max_lag_seconds + 1

    def _start_monitor(self) -> None:
        if self._monitor is None:
            self._monitor = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            with suppress(Exception):  # reads report the primary's failures
                await self._primary.get()
            await asyncio.gather(*(replica.probe.get() for replica in self.replicas))
            if self.on_status is not None:
                self.on_status(self.statuses())
            await asyncio.sleep(MONITOR_SECONDS)
