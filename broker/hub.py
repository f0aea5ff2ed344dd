"""This process's subscribers of one topic: a bounded queue each, so a slow one never holds up
the others or the writer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

T = TypeVar("T")

logger = logging.getLogger("lograph.broker")

QUEUE_SIZE = 100


class SubscriberOverflow(Exception):
    """The subscriber fell a whole queue behind and was cut off (hubs that do not drop)."""


class Subscriber(Generic[T]):
    """One subscriber's queue, and what it wants of the topic."""

    def __init__(self, wants: Callable[[T], bool] | None, size: int) -> None:
        self.wants = wants
        self.queue: asyncio.Queue[T] = asyncio.Queue(maxsize=size)
        self.overflowed = False

    async def get(self) -> T:
        """The next item; SubscriberOverflow once a cut-off subscriber has read what it had."""
        if self.overflowed and self.queue.empty():
            raise SubscriberOverflow
        return await self.queue.get()


class Hub(Generic[T]):
    """Hands each item to every subscriber that wants it, without ever waiting.

    A full queue either drops its oldest item (`drop_oldest`, for alerts: the newest matter
    most) or cuts the subscriber off (for streams that must not have gaps: the subscriber
    resumes from what it last received).
    """

    def __init__(self, *, name: str, queue_size: int = QUEUE_SIZE, drop_oldest: bool) -> None:
        self.name = name
        self._queue_size = queue_size
        self._drop_oldest = drop_oldest
        self._subscribers: set[Subscriber[T]] = set()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @asynccontextmanager
    async def subscribe(
        self, wants: Callable[[T], bool] | None = None
    ) -> AsyncIterator[Subscriber[T]]:
        """A queue of the items `wants` accepts (all when None), until the subscriber leaves."""
        subscriber: Subscriber[T] = Subscriber(wants, self._queue_size)
        self._subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            self._subscribers.discard(subscriber)

    def deliver(self, item: T) -> None:
        """Queue the item for each subscriber that wants it."""
        for subscriber in self._subscribers:
            if subscriber.overflowed:
                continue
            if subscriber.wants is not None and not subscriber.wants(item):
                continue
            if subscriber.queue.full():
                if not self._drop_oldest:
                    subscriber.overflowed = True
                    logger.warning("slow %s subscriber cut off", self.name)
                    continue
                subscriber.queue.get_nowait()
                logger.warning("slow %s subscriber: dropped its oldest item", self.name)
            subscriber.queue.put_nowait(item)
