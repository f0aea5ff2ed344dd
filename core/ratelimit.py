"""Rate limits per key (or per client address when anonymous), shared across processes.

Each process counts requests locally, in windows of whole seconds, and every SYNC_SECONDS adds
its counts to a Redis counter per window (`INCRBY`), learning the other processes' counts in the
same answer. A request costs a dict update; only a caller's first request in a window costs a
round trip (to learn the count so far). The shared count can overshoot by what the processes
admit within one sync interval. With Redis away each process limits alone. Failed
authentications are counted the same way, per client address, against their own budget.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

from broker.redis_link import REDIS_ERRORS, RedisLink
from broker.tasks import stop_task
from core.access import Caller, RateLimited
from core.metrics import RATE_LIMITED

SYNC_SECONDS = 0.1
MAX_TRACKED = 100_000  # identities with a live window; older windows are dropped each sync


@dataclass(slots=True)
class _Window:
    number: int  # which window of `seconds` since the epoch
    seconds: int
    allowed: int
    local: int = 0  # admitted here and not yet added to the shared count
    shared: int = 0  # the shared count at the last sync, this process's part included


def _failures_of(address: str) -> str:
    return f"auth-failures:{address}"


def _refuse_when_full(window: _Window) -> None:
    if window.shared + window.local >= window.allowed:
        RATE_LIMITED.inc()
        retry_after = math.ceil((window.number + 1) * window.seconds - time.time())
        raise RateLimited(max(1, retry_after))


class RateLimiter:
    """Admits or refuses each request of a caller against its per-second limit, and each failed
    authentication of a client address against the failure budget."""

    def __init__(
        self, *, link: RedisLink, default_per_second: float, failures_per_second: float
    ) -> None:
        self._link = link
        self._default = default_per_second
        self._failures = failures_per_second
        self._windows: dict[str, _Window] = {}
        self._syncer: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._link.client is not None:
            self._syncer = asyncio.get_running_loop().create_task(self._sync_forever())

    async def stop(self) -> None:
        await stop_task(self._syncer)

    async def check(self, caller: Caller) -> None:
        """Count the request; RateLimited (with the seconds to wait) once the window is full.

        A caller's first request of a window asks Redis for the count so far (one round trip
        per caller and window); every other request is counted in memory.
        """
        limit = caller.rate_limit_per_second or self._default
        if limit > 0:  # off by default: no window, no await
            await self._take(caller.identity, limit)

    async def check_failures(self, address: str) -> None:
        """RateLimited while the address has spent its failure budget; counts nothing, so a
        lookup that may fail is refused before it costs the database anything."""
        window = await self._window(_failures_of(address), self._failures)
        if window is not None:
            _refuse_when_full(window)

    async def count_failure(self, address: str) -> None:
        """Count a failed authentication; RateLimited once the address's budget is spent."""
        await self._take(_failures_of(address), self._failures)

    async def _take(self, identity: str, limit: float) -> None:
        window = await self._window(identity, limit)
        if window is not None:
            _refuse_when_full(window)
            window.local += 1

    async def _window(self, identity: str, limit: float) -> _Window | None:
        """The identity's window now; None when its limit is off."""
        if limit <= 0:
            return None
        seconds = max(1, math.ceil(1 / limit))  # under 1/s, count in longer windows
        number = int(time.time() // seconds)
        window = self._windows.get(identity)
        if window is None or window.number != number or window.seconds != seconds:
            if len(self._windows) >= MAX_TRACKED:
                self._drop_stale(number)
            window = _Window(number, seconds, max(1, math.floor(limit * seconds)))
            self._windows[identity] = window
            window.shared = await self._shared_count(identity, window)
        return window

    async def _shared_count(self, identity: str, window: _Window) -> int:
        client = self._link.usable()
        if client is None:
            return 0
        try:
            return int(await client.incrby(self._key(identity, window), 0))
        except REDIS_ERRORS as error:
            self._link.mark_down(error)
            return 0

    def _key(self, identity: str, window: _Window) -> str:
        return f"{self._link.channel_prefix}rate:{identity}:{window.number}"

    def _drop_stale(self, number: int) -> None:
        for identity in [i for i, w in self._windows.items() if w.number < number - 1]:
            del self._windows[identity]

    async def _sync_forever(self) -> None:
        while True:
            await asyncio.sleep(SYNC_SECONDS)
            await self._sync()

    async def _sync(self) -> None:
        client = self._link.usable()
        if client is None:
            return
        now_number = {w.seconds: int(time.time() // w.seconds) for w in self._windows.values()}
        pending = [
            (identity, window, window.local)
            for identity, window in self._windows.items()
            if window.number == now_number[window.seconds]  # INCRBY 0 learns others' counts
        ]
        if not pending:
            return
        try:
            async with client.pipeline(transaction=False) as pipe:
                for identity, window, sent in pending:
                    key = self._key(identity, window)
                    pipe.incrby(key, sent)
                    pipe.expire(key, window.seconds + 1)
                results = await pipe.execute()
        except REDIS_ERRORS as error:
            self._link.mark_down(error)
            return
        for (_, window, sent), total in zip(pending, results[::2], strict=True):
            window.local -= sent  # what was admitted during the round trip stays pending
            window.shared = int(total)
