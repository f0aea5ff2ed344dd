"""Fan-out plumbing, generic in what it carries: an in-process hub of bounded subscriber queues,
and a Redis pub/sub bus (one channel per topic) that reaches the other processes."""

from __future__ import annotations

from broker.bus import Bus
from broker.redis_link import RedisLink


class Broker:
    """The process's Redis link and the bus over it; both work alone while Redis is away."""

    def __init__(self, redis_url: str | None) -> None:
        self.link = RedisLink(redis_url)
        self.bus = Bus(self.link)

    def start(self) -> None:
        """Watch Redis and join the fan-out, once every topic has its handler."""
        self.link.start()
        self.bus.start()

    async def stop(self) -> None:
        await self.bus.stop()
        await self.link.close()


__all__ = ["Broker", "Bus", "RedisLink"]
