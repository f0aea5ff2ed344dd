"""The optional Redis connection: whether it may be used now, and one log line per outage."""

from __future__ import annotations

import logging
from enum import Enum

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

logger = logging.getLogger("lograph.broker")

# Errors that mean "Redis is not there right now"; every caller falls back on them.
REDIS_ERRORS = (RedisError, OSError)


class _State(Enum):
    UNKNOWN = "unknown"
    UP = "up"
    DOWN = "down"


class RedisLink:
    """One client for claims and pub/sub; marked down on the first failure, up on reconnect."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self.client: Redis | None = None
        self.channel_prefix = "lograph:"
        if url is not None:
            # Fail fast and let the caller fall back; the pub/sub loop does the reconnecting.
            # One retry, because after an outage the pool still holds dead connections.
            self.client = Redis.from_url(
                url,
                socket_connect_timeout=1,
                socket_timeout=2,
                health_check_interval=10,
                retry=Retry(NoBackoff(), 1),
            )
            # Pub/sub channels ignore database numbers; naming the number keeps dbs apart.
            db = self.client.connection_pool.connection_kwargs.get("db") or 0
            self.channel_prefix = f"lograph:db{db}:"
        self._state = _State.UNKNOWN

    def usable(self) -> Redis | None:
        """The client, unless Redis is unset or known to be down (then work per process)."""
        return None if self._state is _State.DOWN else self.client

    def mark_up(self) -> None:
        if self._state is _State.DOWN:
            logger.warning("Redis is back at %s: shared claims and fan-out resume", self.url)
        self._state = _State.UP

    def mark_down(self, error: BaseException) -> None:
        if self._state is not _State.DOWN:
            logger.warning(
                "Redis unavailable at %s (%s): each process works alone; reconnecting",
                self.url,
                error or type(error).__name__,
            )
        self._state = _State.DOWN

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
