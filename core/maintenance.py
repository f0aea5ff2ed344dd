"""The app's own storage maintenance: partitions ahead of need and retention passes, every
RETENTION_INTERVAL_SECONDS in each process.

Each process runs the loop; a pass that finds another one running (in any process: the pass
lock, db/expiry.py) skips its turn. A pass that fails is logged once, counted in `/metrics`
and retried on the next turn, which also finishes what it left half done (db/expiry.py); it
never reaches a request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from broker.tasks import stop_task
from core import metrics
from core.retention import Retention
from db.engine import Database
from db.partitions import create_days_ahead

logger = logging.getLogger("lograph.retention")
DAYS_AHEAD = 7  # day partitions created ahead of need


class Maintenance:
    """This process's maintenance loop."""

    def __init__(self, *, db: Database, retention: Retention, interval: float) -> None:
        self._db = db
        self._retention = retention
        self._interval = interval
        self._task: asyncio.Task[None] | None = None
        self._failing = False

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        await stop_task(self._task)

    async def run_once(self) -> None:
        """Partitions for the coming days, then a retention pass unless one is running."""
        if not self._db.is_sqlite:
            now = datetime.now(UTC)
            await self._db.write(
                lambda connection: create_days_ahead(connection, now, days=DAYS_AHEAD)
            )
        run = await self._retention.apply(wait=False)
        if run is None:
            return
        metrics.retention_pass(
            dropped_partitions=run.dropped_partitions,
            deleted_logs=run.deleted_logs,
            ended=time.time(),
        )
        if run.dropped_partitions or run.deleted_logs:
            logger.info(
                "retention: dropped %d partitions, deleted %d logs; oldest kept %s",
                run.dropped_partitions,
                run.deleted_logs,
                run.oldest_kept.isoformat() if run.oldest_kept else "none",
            )

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception as error:  # the database is away, or a lock was held: next turn
                metrics.RETENTION_FAILURES.inc()
                if not self._failing:
                    logger.warning(
                        "retention pass failed, retried in %g s: %s", self._interval, error
                    )
                self._failing = True
            else:
                self._failing = False
            await asyncio.sleep(self._interval)
