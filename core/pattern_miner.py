"""Gives every log a pattern in the background, off the write path, each service in one
process at a time.

Every process runs a miner. Each round it gives newly written services a cursor, claims its
share of the services (db/pattern_claims.py: leases per service, shared among the miners
alive), reads the logs of those services written since their cursors, masks and clusters them
in memory (a worker thread, not the event loop), then stores the assignments, patterns, miner
states and the cursors' new places in one transaction that fails if a cursor moved meanwhile
(db/patterns.py): a log is assigned exactly once whoever mines, and mining resumes after a
restart where it stopped.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial

from broker.tasks import stop_task
from core import metrics
from core.mining import MinerLimits, Miners
from core.new_patterns import OnNewPatterns, new_patterns
from db import pattern_claims as claims
from db import patterns as store
from db.engine import Database
from db.logs import logs_by_id
from db.pattern_claims import Cursor, LostCursor
from db.patterns import Assignment, MinedLog, Seen
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
    """This process's miner: it mines the services whose leases it holds."""

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
        self._versions: dict[str, int] = {}  # the stored cursor version each miner matches
        self._ids: dict[tuple[str, int], int] = {}
        self._task: asyncio.Task[None] | None = None
        self._failing = False
        self._behind = False  # the last round left logs in a window: mine again at once
        self._one_at_a_time = asyncio.Lock()  # the background loop and `catch_up` callers

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop mining and hand the leases over (a restart need not wait for them to lapse)."""
        await stop_task(self._task)
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
        claim = partial(claims.claim, owner=self.owner, now=datetime.now(UTC), lease=self._lease)
        cursors = await self._db.write(claim)
        await self._restore(
            [one for one in cursors if self._versions.get(one.service) != one.version]
        )
        reached, rows = await self._db.read_primary(
            partial(store.next_batch, cursors=cursors, limit=BATCH)
        )
        self._behind = any(one.after is not None for one in reached.values())
        if not rows and all(reached[one.service] == one for one in cursors):
            return 0
        batch = await asyncio.to_thread(self._mine, rows)
        created = await self._store(cursors, reached, batch)
        if created and self._on_new is not None:
            await self._announce(created, batch)
        return len(rows)

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

    def _mine(self, rows: list[MinedLog]) -> MinedBatch:
        batch = MinedBatch()
        fits, mine, seen = self._miners.fits, self._miners.mine, batch.seen
        for log in rows:
            if not fits(log.message):
                batch.over_caps += 1
                continue
            key = (log.service, mine(log.service, log.message))
            minute = log.timestamp.replace(second=0, microsecond=0)
            batch.assignments.append(Assignment(log.id, key, minute, log.level))
            before = seen.get(key)
            if before is None:
                seen[key] = Seen(log.service, key[1], "", log.timestamp, log.timestamp)
            elif not before.first <= log.timestamp <= before.last:
                first, last = min(before.first, log.timestamp), max(before.last, log.timestamp)
                seen[key] = Seen(log.service, key[1], "", first, last)
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
        self, cursors: list[Cursor], reached: dict[str, Cursor], batch: MinedBatch
    ) -> dict[tuple[str, int], int]:
        """Store the batch; the patterns it created (none when another process mined it)."""
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
            return {}
        self._versions |= {one.service: one.version + 1 for one in cursors}
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
            if not (took and self._behind):
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
