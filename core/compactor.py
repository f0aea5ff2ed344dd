"""Folds the rollups' deltas into them in the background of each process (PostgreSQL).

Writers only append deltas (migration 0010) and readers add them in, so counts are exact
whether a fold ran or not; folding keeps the deltas few, since every rollup read scans them.
A fold runs every FOLD_SECONDS, and early once this process wrote FOLD_AFTER_LOGS logs. Every
process folds; the database lets one fold at a time and the others skip that turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from functools import partial

from broker.tasks import stop_task
from db import rollups
from db.engine import Database
from db.logs import LogRecord

logger = logging.getLogger("lograph.rollups")

FOLD_SECONDS = 1.0
FOLD_AFTER_LOGS = 20_000
# Deltas per statement: about 0.1 s of folding on logs spread over days, far within any
# statement timeout; a fold that takes a full batch goes on at once with the next.
MAX_DELTAS = 10_000


class RollupCompactor:
    """This process's folder of rollup deltas; idle on SQLite, which has none."""

    def __init__(self, *, db: Database) -> None:
        self._db = db
        self._wake = asyncio.Event()
        self._written = 0
        self._task: asyncio.Task[None] | None = None
        self._failing = False

    async def start(self) -> None:
        if not self._db.is_sqlite:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        await stop_task(self._task)

    def logs_written(self, logs: Sequence[LogRecord]) -> None:
        """The write hook: fold soon when many logs came in since the last fold."""
        self._written += len(logs)
        if self._written >= FOLD_AFTER_LOGS:
            self._wake.set()

    async def fold(self) -> int:
        """Fold until fewer than a batch of deltas is left (or another process is folding);
        how many deltas this call folded."""
        total = 0
        while True:
            folded = await self._db.write_statement(
                partial(rollups.fold_deltas, max_deltas=MAX_DELTAS)
            )
            total += folded or 0
            if folded != MAX_DELTAS:
                break
        if total:
            await self._db.write_statement(rollups.vacuum_deltas)
        return total

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(FOLD_SECONDS):
                    await self._wake.wait()
            self._wake.clear()
            self._written = 0
            try:
                await self.fold()
            except Exception as error:  # the database is away: the deltas wait, exact as ever
                if not self._failing:
                    logger.warning("cannot fold rollup deltas: %s", error)
                self._failing = True
                continue
            self._failing = False
