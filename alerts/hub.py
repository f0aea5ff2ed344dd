"""This process's subscribers: a bounded queue each, so a slow one only loses its own alerts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from db.alert_history import AlertRecord

logger = logging.getLogger("lograph.alerts")

QUEUE_SIZE = 100


class Hub:
    """Hands each alert to every subscriber that wants its rule, without ever waiting."""

    def __init__(self) -> None:
        self._subscribers: dict[asyncio.Queue[AlertRecord], frozenset[str] | None] = {}

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @asynccontextmanager
    async def subscribe(
        self, *, rules: frozenset[str] | None
    ) -> AsyncIterator[asyncio.Queue[AlertRecord]]:
        """A queue of alerts (of these rules, or all) until the subscriber leaves."""
        queue: asyncio.Queue[AlertRecord] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._subscribers[queue] = rules
        try:
            yield queue
        finally:
            del self._subscribers[queue]

    def deliver(self, alert: AlertRecord) -> None:
        """Queue the alert for its subscribers; a full queue drops its oldest alert."""
        for queue, rules in self._subscribers.items():
            if rules is not None and alert.rule not in rules:
                continue
            if queue.full():
                dropped = queue.get_nowait()
                logger.warning("slow subscriber: dropped alert %s of %s", dropped.id, dropped.rule)
            queue.put_nowait(alert)
