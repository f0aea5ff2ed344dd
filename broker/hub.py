"""This process's subscribers of one topic: a bounded queue each, so a slow one never holds up
the others or the writer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar, cast

T = TypeVar("T")

logger = logging.getLogger("lograph.broker")

QUEUE_SIZE = 100
_WAKE_UP = object()  # queued for a subscriber that was cut off, so a waiting `get` returns


class SubscriberOverflow(Exception):
    """The subscriber fell a whole queue behind and was cut off (hubs that do not drop)."""


def _weightless(_item: object) -> int:
    return 0


class Subscriber(Generic[T]):
    """One subscriber's queue, and what it wants of the topic."""

    def __init__(
        self,
        wants: Callable[[T], bool] | None,
        size: int,
        *,
        max_bytes: int | None = None,
        weigh: Callable[[T], int] = _weightless,
    ) -> None:
        self.wants = wants
        self.queue: asyncio.Queue[T] = asyncio.Queue(maxsize=size)
        self.overflowed = False
        self.held_bytes = 0  # what its queued items weigh
        self._max_bytes = max_bytes
        self._weigh = weigh

    async def get(self) -> T:
        """The next item; SubscriberOverflow once the subscriber was cut off."""
        if self.overflowed:
            raise SubscriberOverflow
        item = await self.queue.get()
        if self.overflowed:
            raise SubscriberOverflow
        self.held_bytes -= self._weigh(item)
        return item

    def has_room(self, weight: int) -> bool:
        """Room for one more item: the queue is not full, and the item keeps it within its
        bytes (an empty queue takes any one item, so a large batch cuts off no one)."""
        if self.queue.full():
            return False
        bound = self._max_bytes
        return bound is None or self.queue.empty() or self.held_bytes + weight <= bound

    def drop_oldest(self) -> None:
        self.held_bytes -= self._weigh(self.queue.get_nowait())

    def put(self, item: T, weight: int) -> None:
        self.queue.put_nowait(item)
        self.held_bytes += weight

    def cut_off(self) -> None:
        """Let go of everything queued now, not when the subscriber next reads: it may be stuck
        sending to a client that does not read."""
        self.overflowed = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.held_bytes = 0
        self.queue.put_nowait(cast(T, _WAKE_UP))


class Hub(Generic[T]):
    """Hands each item to every subscriber that wants it, without ever waiting.

    A full queue (in items, or in bytes where the hub weighs its items) either drops its oldest
    item (`drop_oldest`, for alerts: the newest matter most) or cuts the subscriber off (for
    streams that must not have gaps: the subscriber resumes from what it last received).
    """

    def __init__(
        self,
        *,
        name: str,
        queue_size: int = QUEUE_SIZE,
        drop_oldest: bool,
        max_bytes: int | None = None,
        weigh: Callable[[T], int] = _weightless,
    ) -> None:
        self.name = name
        self._queue_size = queue_size
        self._drop_oldest = drop_oldest
        self._max_bytes = max_bytes
        self._weigh = weigh
        self._subscribers: set[Subscriber[T]] = set()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @asynccontextmanager
    async def subscribe(
        self, wants: Callable[[T], bool] | None = None
    ) -> AsyncIterator[Subscriber[T]]:
        """A queue of the items `wants` accepts (all when None), until the subscriber leaves."""
        subscriber: Subscriber[T] = Subscriber(
            wants, self._queue_size, max_bytes=self._max_bytes, weigh=self._weigh
        )
        self._subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            self._subscribers.discard(subscriber)

    def deliver(self, item: T) -> None:
        """Queue the item for each subscriber that wants it."""
        weight = self._weigh(item)
        for subscriber in self._subscribers:
            if subscriber.overflowed:
                continue
            if subscriber.wants is not None and not subscriber.wants(item):
                continue
            if not subscriber.has_room(weight):
                if not self._drop_oldest:
                    subscriber.cut_off()
                    logger.warning("slow %s subscriber cut off", self.name)
                    continue
                subscriber.drop_oldest()
                logger.warning("slow %s subscriber: dropped its oldest item", self.name)
            subscriber.put(item, weight)
