"""Gives every log a pattern in the background, off the write path, each service in one
process at a time.

Every process runs a miner (core/miner_process.py: a process of its own). Each round it gives
newly written services a cursor, claims its share of the services (db/pattern_claims.py:
leases per service, shared among the miners alive), reads the logs of those services written
since their cursors, masks and clusters them in memory (a worker thread, not the event loop),
then stores the assignments, patterns, miner states and the cursors' new places in one
transaction that fails if a cursor moved meanwhile (db/patterns.py): a log is assigned exactly
once whoever mines, and mining resumes after a restart where it stopped. While behind, a round
reads and mines the next batch as the database stores the last (for up to half a lease), and
stores it only once the last one was stored.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial

from broker.tasks import stop_task
from core import metrics
from core.mining import MinerLimits, Miners
from core.new_patterns import OnNewPatterns, new_patterns
from core.pattern_batches import MinedBatch, evicted, mine_batch
from db import pattern_claims as claims
from db import patterns as store
from db.engine import Database
from db.logs import logs_by_id
from db.pattern_claims import Cursor, LostCursor
from db.patterns import MinedLog
from settings import Settings

logger = logging.getLogger("lograph.patterns")

BATCH = 5000
CountMined = Callable[..., None]  # told what each stored batch did (metrics.patterns_mined)


class PatternMiner:
    """This process's miner: it mines the services whose leases it holds."""

    def __init__(
        self,
        *,
        db: Database,
        miners: Miners,
        interval_seconds: float,
        lease_seconds: float,
        on_new: OnNewPatterns | None = None,
        count: CountMined = metrics.patterns_mined,
    ) -> None:
        self._db = db
        self._on_new = on_new
        self._count = count
        self._miners = miners
        self._interval = interval_seconds
        self._lease = timedelta(seconds=lease_seconds)
        # How long a round may go on mining without claiming again: half its leases.
        self._stretch = lease_seconds / 2
        self.owner = uuid.uuid4().hex
        self._versions: dict[str, int] = {}  # the stored cursor version each miner matches
        self._ids: dict[tuple[str, int], int] = {}
        self._task: asyncio.Task[None] | None = None
        self._failing = False
        self._behind = False  # the last round left logs in a window: mine again at once
        self._claimed = False  # whether it ever asked for leases: then `stop` hands them over
        self._one_at_a_time = asyncio.Lock()  # the background loop and `catch_up` callers

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop mining and hand the leases over (a restart need not wait for them to lapse)."""
        await stop_task(self._task)
        if not self._claimed:  # no lease and no miner row: nothing to hand over
            return
        release = partial(claims.release, owner=self.owner, now=datetime.now(UTC))
        try:
            await self._db.write(release)
        except Exception as error:  # the database is away: the leases lapse by themselves
            logger.warning("cannot release the pattern miner's leases: %s", error)

    async def mine_once(self) -> int:
        """Mine and store one batch of the services this process holds (or may take); how
        many logs it took in (0: nothing new, or other processes mine)."""
        async with self._one_at_a_time:
            return await self._mine_once()

    async def _mine_once(self) -> int:
        with suppress(LostCursor):  # another miner looked at the same logs meanwhile
            await self._db.write(claims.discover)
        claimed_at = time.monotonic()
        claim = partial(claims.claim, owner=self.owner, now=datetime.now(UTC), lease=self._lease)
        self._claimed = True  # first: the claim may commit though this call is abandoned
        cursors = await self._db.write(claim)
        await self._restore(
            [one for one in cursors if self._versions.get(one.service) != one.version]
        )
        reached, rows = await self._read(cursors)
        if not rows and all(reached[one.service] == one for one in cursors):
            return 0
        batch, took = await asyncio.to_thread(mine_batch, self._miners, rows), 0
        while True:  # store a batch while the next one is read and mined
            batch.evicted = evicted(self._miners, self._ids, batch.states)
            storing = asyncio.create_task(self._store(cursors, reached, batch))
            took, following = took + len(rows), None
            try:
                if self._behind and time.monotonic() - claimed_at < self._stretch:
                    following = stored_places(cursors, reached)
                    reached, rows = await self._read(following)
                    batch = await asyncio.to_thread(mine_batch, self._miners, rows)
            finally:
                stored = await storing
            if not stored or following is None:
                return took
            cursors = following

    async def _read(self, cursors: list[Cursor]) -> tuple[dict[str, Cursor], list[MinedLog]]:
        """The next logs after these cursors, and where they end."""
        read = partial(store.next_batch, cursors=cursors, limit=BATCH)
        reached, rows = await self._db.read_primary(read)
        self._behind = any(one.after is not None for one in reached.values())
        return reached, rows

    async def _announce(self, created: dict[tuple[str, int], int], batch: MinedBatch) -> None:
        """Tell the hook about the patterns this process just stored for the first time: the
        store commits once whoever mines, so each is announced once across processes."""
        assert self._on_new is not None
        templates = {key: seen.template for key, seen in batch.seen.items()}
        theirs = [one.log_id for one in batch.assignments if one.key in created]
        logs = await self._db.read_primary(lambda connection: logs_by_id(connection, theirs))
        found = new_patterns(
            created, templates=templates, assignments=batch.assignments, logs=list(logs.values())
        )
        await self._on_new(found)

    async def catch_up(self) -> None:
        """Mine until every log of the services this process may mine, committed before this
        call, has its pattern (tests, tools)."""
        while await self.mine_once() or await self.mine_once():
            pass

    async def _restore(self, cursors: list[Cursor]) -> None:
        """Take the stored miners of these services: ours are behind (another process mined
        them, or a store failed)."""
        if not cursors:
            return
        services = {one.service for one in cursors}
        states, ids = await self._db.read_primary(partial(store.load_states, services=services))
        self._miners.restore(services, states)
        self._ids = {key: n for key, n in self._ids.items() if key[0] not in services} | ids
        self._versions |= {one.service: one.version for one in cursors}

    async def _store(
        self, cursors: list[Cursor], reached: dict[str, Cursor], batch: MinedBatch
    ) -> bool:
        """Store the batch and announce the patterns it created; False when another process
        mined some of its logs first (then nothing is stored, and our miners are behind)."""
        work = partial(
            store.store_batch,
            started=cursors,
            reached=reached,
            seen=list(batch.seen.values()),
            known=dict(self._ids),
            evicted=batch.evicted,
            assignments=batch.assignments,
            states=batch.states,
        )
        for one in cursors:  # until stored: a failure leaves our miners ahead of the database
            self._versions.pop(one.service, None)
        try:
            created = await self._db.write(work)
        except LostCursor:  # another process mined some of these logs first: take its miners
            return False
        self._versions |= {one.service: one.version + 1 for one in cursors}
        gone = set(batch.evicted)
        self._ids = {key: value for key, value in self._ids.items() if value not in gone}
        self._ids.update(created)
        self._count(
            assigned=len(batch.assignments),
            over_caps=batch.over_caps,
            dropped=batch.dropped,
            evicted=len(batch.evicted),
        )
        if created and self._on_new is not None:
            await self._announce(created, batch)
        return True

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
            if not (took and self._behind):
                await asyncio.sleep(self._interval)


def stored_places(started: list[Cursor], reached: dict[str, Cursor]) -> list[Cursor]:
    """The cursors as a batch's store leaves them: where it reached, one version on (a batch
    mined meanwhile starts there, and its store is refused unless that one was stored)."""
    return [replace(reached[one.service], version=one.version + 1) for one in started]


def new_pattern_miner(
    db: Database,
    settings: Settings,
    *,
    on_new: OnNewPatterns | None = None,
    count: CountMined = metrics.patterns_mined,
) -> PatternMiner:
    """The miner `settings` describe (core/miner_process.py runs it in the background);
    `on_new` hears of each pattern when it is first stored, `count` of each stored batch."""
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
        count=count,
    )
