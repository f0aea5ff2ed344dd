"""This process's one reader of new logs: it polls the database in commit order and hands
each batch to the log hub, whose subscribers filter it in memory.

It reads when woken (a write in this process, or a `logs` message from another process over
the bus) and at least every POLL_SECONDS, so with Redis away it still sees other processes'
writes, only later. Reads are at least MIN_GAP_SECONDS apart, so one query serves many writes.

Each read fetches only the logs some subscriber's filter selects (the union of their criteria,
pushed into the query), so tails that want 1 % of the logs decode 1 % of them. Subscribers
join only between reads (`follow`), so every read's union covers every subscriber it is
delivered to; each subscriber still matches the batch against its own filter in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import orjson

from broker.bus import Bus
from broker.hub import Hub, Subscriber
from broker.tasks import stop_task
from core.tail_cursor import Batch, TailEdge, edges
from db import tail
from db.engine import Database
from db.logs import LogCriteria, LogRecord
from db.tail import Snapshot

logger = logging.getLogger("lograph.tail")

LOGS_TOPIC = "logs"
POLL_SECONDS = 0.25
MIN_GAP_SECONDS = 0.005
MAX_PUSHED_FILTERS = 32  # more distinct filters than this: read every log, match in memory


EDGE_OVERHEAD_BYTES = 200  # an edge's objects besides its text, roughly


@dataclass(frozen=True, slots=True)
class TailBatch:
    """The logs one read found, in commit order, as edges shared by every subscriber, and
    roughly what they weigh in memory."""

    edges: Sequence[TailEdge]
    weight: int

    @classmethod
    def of(cls, batch_edges: Sequence[TailEdge]) -> TailBatch:
        return cls(batch_edges, sum(_weight(edge) for edge in batch_edges))


def _weight(edge: TailEdge) -> int:
    """An edge's bytes, near enough to bound what a subscriber holds: its texts and metadata."""
    record = edge.node
    text = len(edge.cursor) + len(record.service) + len(record.message)
    return EDGE_OVERHEAD_BYTES + text + _metadata_weight(record.metadata)


def _metadata_weight(metadata: object) -> int:
    if not metadata:
        return 0
    try:
        return len(orjson.dumps(metadata))
    except orjson.JSONEncodeError:  # integers beyond 64 bits, kept exact
        return len(str(metadata))


def new_log_hub(*, queue_batches: int, queue_bytes: int) -> Hub[TailBatch]:
    """Subscribers are cut off, never skipped, when they fall a whole queue behind: in batches
    (at least MIN_GAP_SECONDS apart, so 512 hold at least 2.5 s of logs) or in bytes."""
    return Hub(
        name="logs",
        queue_size=queue_batches,
        drop_oldest=False,
        max_bytes=queue_bytes,
        weigh=lambda batch: batch.weight,
    )


class TailReader:
    """Reads new logs in commit order for every tail subscriber of this process."""

    def __init__(self, *, db: Database, hub: Hub[TailBatch], bus: Bus) -> None:
        self._db = db
        self._hub = hub
        self._bus = bus
        self._wake = asyncio.Event()
        self._advanced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._notifying: asyncio.Task[None] | None = None
        self._notify_again = False
        self._failing = False
        self._reading: asyncio.Event | None = None  # set when the read in flight ends
        self._wanted: list[LogCriteria] = []  # one per subscriber
        self.position = Snapshot(1, 1)
        bus.on(LOGS_TOPIC, lambda _payload: self._wake_if_tailed())

    async def start(self) -> None:
        self.position = await self._db.read_primary(tail.head)
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        await stop_task(self._task)
        await stop_task(self._notifying)

    def logs_written(self, _logs: Sequence[LogRecord]) -> None:
        """The write hook: read soon, and tell the other processes to."""
        self._wake_if_tailed()
        if not self._bus.reaches_others:
            return  # alone (no Redis): no other process to tell
        if self._notifying is not None and not self._notifying.done():
            self._notify_again = True
        else:
            self._notifying = asyncio.get_running_loop().create_task(self._notify())

    def _wake_if_tailed(self) -> None:
        # With nobody tailing here, the timer keeps the position fresh enough: a new tail
        # reads its own starting position and wakes the reader through `reach`.
        if self._hub.subscriber_count:
            self._wake.set()

    @asynccontextmanager
    async def follow(
        self, criteria: LogCriteria
    ) -> AsyncIterator[tuple[Subscriber[TailBatch], Snapshot]]:
        """Join the hub between two reads; its queue's batches start exactly at the position."""
        while self._reading is not None:
            await self._reading.wait()
        # No await from here to the yield: the next read starts at this position with
        # `criteria` in its union.
        self._wanted.append(criteria)
        try:
            async with self._hub.subscribe() as subscriber:
                yield subscriber, self.position
        finally:
            self._wanted.remove(criteria)

    def _union(self) -> LogCriteria | None:
        """What the subscribers want, as one criteria; None to read every log."""
        distinct: list[LogCriteria] = []
        for criteria in self._wanted:
            if criteria == LogCriteria():
                return None
            if not criteria.matches_nothing and criteria not in distinct:
                distinct.append(criteria)
        if len(distinct) > MAX_PUSHED_FILTERS:
            return None
        return distinct[0] if len(distinct) == 1 else LogCriteria(any_of=tuple(distinct))

    async def reach(self, position: Snapshot) -> None:
        """Return once this reader's position covers `position` (bound it with a timeout)."""
        while not self.position.covers(position):
            advanced = self._advanced
            self._wake.set()
            await advanced.wait()

    async def _notify(self) -> None:
        self._notify_again = True
        while self._notify_again:
            self._notify_again = False
            await self._bus.publish(LOGS_TOPIC, b"")

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self._read()
            except Exception as error:  # the database is away: keep the position, retry
                if not self._failing:
                    logger.warning("live tail cannot read the database: %s", error)
                self._failing = True
                await asyncio.sleep(POLL_SECONDS)
                continue
            self._failing = False
            await asyncio.sleep(MIN_GAP_SECONDS)

    async def _read(self) -> None:
        self._reading = asyncio.Event()
        try:
            await self._read_once()
        finally:
            self._reading.set()
            self._reading = None

    async def _read_once(self) -> None:
        since = self.position
        if self._hub.subscriber_count == 0:
            upto = await self._db.read_primary(tail.head)
            # Someone subscribed meanwhile at `since`: read their logs instead of skipping them.
            if self._hub.subscriber_count == 0:
                self._advance(upto)
                return
        wanted = self._union()
        upto, rows = await self._db.read_primary(
            lambda connection: tail.poll(connection, since, wanted)
        )
        if rows:
            self._hub.deliver(TailBatch.of(edges(Batch(int(time.time()), since, upto), rows)))
        self._advance(upto)

    def _advance(self, upto: Snapshot) -> None:
        self.position = upto
        self._advanced.set()
        self._advanced = asyncio.Event()
