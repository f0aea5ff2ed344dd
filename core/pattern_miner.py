"""Gives every log a pattern in the background, off the write path, in one process at a time.

Every process runs a miner; the one holding the lease (a row in the database, renewed by each
batch it stores) mines, the others check every interval whether it lapsed. Mining reads the
logs written since the stored place, masks and clusters them in memory (a worker thread, not
the event loop), then stores the assignments, patterns, miner states and the new place in one
transaction that fails if the place moved meanwhile (db/patterns.py): a log is assigned
exactly once whoever mines, and mining resumes after a restart where it stopped.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial

from broker.tasks import stop_task
from core import metrics
from core.mining import MinerLimits, Miners
from core.new_patterns import OnNewPatterns, new_patterns
from db import patterns as store
from db.engine import Database
from db.patterns import Assignment, Cursor, LostCursor, Seen
from db.tail import TailRow
from settings import Settings

logger = logging.getLogger("lograph.patterns")

BATCH = 5000


@dataclass
class MinedBatch:
    """What mining one batch changed, ready to store."""

    assignments: list[Assignment] = field(default_factory=list)
    seen: dict[tuple[str, int], Seen] = field(default_factory=dict)
    evicted: list[int] = field(default_factory=list)
    states: dict[str, bytes] = field(default_factory=dict)
    over_caps: int = 0
    dropped: int = 0


class PatternMiner:
    """This process's miner: idle while another process holds the lease."""

    def __init__(
        self,
        *,
        db: Database,
        miners: Miners,
        interval_seconds: float,
        lease_seconds: float,
        on_new: OnNewPatterns | None = None,
    ) -> None:
        self._db = db
        self._on_new = on_new
        self._miners = miners
        self._interval = interval_seconds
        self._lease = timedelta(seconds=lease_seconds)
        self.owner = uuid.uuid4().hex
        self._version: int | None = None  # the stored cursor version our miners match
        self._ids: dict[tuple[str, int], int] = {}
        self._task: asyncio.Task[None] | None = None
        self._failing = False
        self._one_at_a_time = asyncio.Lock()  # the background loop and `catch_up` callers

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop mining and hand the lease over (a restart need not wait for it to lapse)."""
        await stop_task(self._task)
        release = partial(store.release_lease, owner=self.owner, now=datetime.now(UTC))
        try:
            await self._db.write_statement(release)
        except Exception as error:  # the database is away: the lease lapses by itself
            logger.warning("cannot release the pattern miner's lease: %s", error)

    async def mine_once(self) -> int:
        """Mine and store one batch if this process holds (or may take) the lease; how many
        logs it took in (0: nothing new, or another process mines)."""
        async with self._one_at_a_time:
            return await self._mine_once()

    async def _mine_once(self) -> int:
        now = datetime.now(UTC)
        cursor = await self._db.read_primary(store.read_cursor)
        if cursor is None:
            cursor = await self._db.read_primary(
                partial(store.first_cursor, owner=self.owner, now=now)
            )
        elif cursor.owner != self.owner and cursor.lease_until > now:
            return 0
        if self._version != cursor.version:
            await self._restore()
        reached, rows = await self._db.read_primary(
            partial(store.next_batch, cursor=cursor, limit=BATCH)
        )
        reached = replace(reached, owner=self.owner, lease_until=now + self._lease)
        if not rows and self._idle(cursor, reached, now):
            return 0
        batch = await asyncio.to_thread(self._mine, rows)
        created = await self._store(cursor, reached, batch)
        if created and self._on_new is not None:
            await self._announce(created, batch, rows)
        return len(rows)

    async def _announce(
        self, created: dict[tuple[str, int], int], batch: MinedBatch, rows: list[TailRow]
    ) -> None:
        """Tell the hook about the patterns this process just stored for the first time: the
        store commits once whoever mines, so each is announced once across processes."""
        assert self._on_new is not None
        templates = {key: seen.template for key, seen in batch.seen.items()}
        found = new_patterns(
            created,
            templates=templates,
            assignments=batch.assignments,
            logs=[row.record for row in rows],
        )
        await self._on_new(found)

    async def catch_up(self) -> None:
        """Mine until every log committed before this call has its pattern (tests, tools)."""
        while await self.mine_once() or await self.mine_once():
            pass

    def _idle(self, cursor: Cursor, reached: Cursor, now: datetime) -> bool:
        """Nothing to store: no new window, and our lease is far from lapsing."""
        same_place = (cursor.since, cursor.upto) == (reached.since, reached.upto)
        fresh = cursor.owner == self.owner and cursor.lease_until - now > self._lease / 2
        return same_place and fresh

    async def _restore(self) -> None:
        """Take the stored miners: ours are behind (another process mined, or a store failed)."""
        states, ids = await self._db.read_primary(store.load_states)
        self._miners.restore(states)
        self._ids = ids

    def _mine(self, rows: list[TailRow]) -> MinedBatch:
        batch = MinedBatch()
        for row in rows:
            log = row.record
            if not self._miners.fits(log.message):
                batch.over_caps += 1
                continue
            mined = self._miners.mine(log.service, log.message)
            key = (mined.service, mined.cluster_id)
            minute = log.timestamp.replace(second=0, microsecond=0)
            batch.assignments.append(Assignment(log.id, key, minute, log.level.value))
            seen = batch.seen.get(key)
            first = log.timestamp if seen is None else min(seen.first, log.timestamp)
            last = log.timestamp if seen is None else max(seen.last, log.timestamp)
            batch.seen[key] = Seen(mined.service, mined.cluster_id, "", first, last)
        self._settle(batch)
        return batch

    def _settle(self, batch: MinedBatch) -> None:
        """Templates as the batch left them; what the batch evicted, and its lines, dropped."""
        for key, seen in list(batch.seen.items()):
            template = self._miners.template(*key)
            if template is None:
                del batch.seen[key]
            else:
                batch.seen[key] = replace(seen, template=template)
        kept = [one for one in batch.assignments if one.key in batch.seen]
        batch.dropped = len(batch.assignments) - len(kept)
        batch.assignments = kept
        services = {service for service, _ in batch.seen} | {
            one.key[0] for one in batch.assignments
        }
        batch.evicted = [
            pattern_id
            for (service, cluster_id), pattern_id in self._ids.items()
            if service in services and self._miners.template(service, cluster_id) is None
        ]
        batch.states = {service: self._miners.dump(service) for service in services}

    async def _store(
        self, cursor: Cursor, reached: Cursor, batch: MinedBatch
    ) -> dict[tuple[str, int], int]:
        """Store the batch; the patterns it created (none when another process mined it)."""
        work = partial(
            store.store_batch,
            started=cursor,
            reached=reached,
            seen=list(batch.seen.values()),
            known=dict(self._ids),
            evicted=batch.evicted,
            assignments=batch.assignments,
            states=batch.states,
        )
        self._version = None  # until stored: a failure leaves our miners ahead of the database
        try:
            created = await self._db.write(work)
        except LostCursor:  # another process mined these logs first: take its miners next
            return {}
        self._version = cursor.version + 1
        gone = set(batch.evicted)
        self._ids = {key: value for key, value in self._ids.items() if value not in gone}
        self._ids.update(created)
        metrics.patterns_mined(
            assigned=len(batch.assignments),
            over_caps=batch.over_caps,
            dropped=batch.dropped,
            evicted=len(batch.evicted),
        )
        return created

    async def _run(self) -> None:
        while True:
            try:
                took = await self.mine_once()
            except Exception as error:  # the database is away: the logs wait, unassigned
                if not self._failing:
                    logger.warning("cannot mine patterns: %s", error)
                self._failing = True
                took = 0
            else:
                self._failing = False
            if took < BATCH:
                await asyncio.sleep(self._interval)


def new_pattern_miner(
    db: Database, settings: Settings, *, on_new: OnNewPatterns | None = None
) -> PatternMiner:
    """The miner `settings` describe (started by the app unless ENABLE_PATTERNS is off);
    `on_new` hears of each pattern when it is first stored."""
    limits = MinerLimits(
        max_patterns=settings.pattern_max_per_service,
        max_chars=settings.pattern_max_line_chars,
        max_tokens=settings.pattern_max_tokens,
    )
    return PatternMiner(
        db=db,
        miners=Miners(limits=limits, masks=settings.pattern_masks),
        interval_seconds=settings.pattern_mine_interval_seconds,
        lease_seconds=settings.pattern_lease_seconds,
        on_new=on_new,
    )
