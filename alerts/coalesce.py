"""Runs keyed work so that bursts of requests collapse into one run in flight and one queued."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from core.outage_log import database_outage
from db.engine import DatabaseUnavailable

K = TypeVar("K", bound=Hashable)

logger = logging.getLogger("lograph.alerts")


class Coalescer(Generic[K]):
    """At most one run of `work(key)` in flight per key, and at most one more queued behind it."""

    def __init__(self, work: Callable[[K], Awaitable[None]]) -> None:
        self._work = work
        self._running: dict[K, asyncio.Task[None]] = {}
        self._again: set[K] = set()

    def request(self, key: K) -> None:
        """Ask for a run; while one is in flight, every request in between becomes one rerun."""
        if key in self._running:
            self._again.add(key)
            return
        self._running[key] = asyncio.get_running_loop().create_task(self._run(key))

    async def _run(self, key: K) -> None:
        try:
            again = True
            while again:
                self._again.discard(key)
                await guarded(self._work, key)
                again = key in self._again
        finally:
            del self._running[key]
            self._again.discard(key)

    @property
    def busy(self) -> bool:
        """Whether a run is in flight or queued."""
        return bool(self._running)

    async def idle(self) -> None:
        """Wait until nothing is in flight or queued."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def cancel(self) -> None:
        """Stop every run (at shutdown)."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def guarded(work: Callable[[K], Awaitable[None]], key: K) -> None:
    """Run `work(key)`, logging its failure: one rule's failure never stops the others'."""
    try:
        await work(key)
    except DatabaseUnavailable as error:  # every rule fails alike: one line a while
        database_outage.error("alert work for %r failed: %s", key, error)
    except Exception:
        logger.exception("alert work for %r failed", key)
