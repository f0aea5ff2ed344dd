"""The optional Redis connection: whether it may be used now, one log line per outage, and the
probe that brings it back after a crash or a hang alike."""

from __future__ import annotations

import asyncio
import logging
from enum import Enum
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from broker.tasks import stop_task

logger = logging.getLogger("lograph.broker")

# Errors that mean "Redis is not there right now" (timeouts included: TimeoutError is an
# OSError); every caller falls back on them.
REDIS_ERRORS = (RedisError, OSError)
COMMAND_TIMEOUT_SECONDS = 2.0  # a command that waits longer means Redis is stuck
PROBE_SECONDS = (0.5, 5.0)  # first and longest wait between probes while Redis is down


class _State(Enum):
    UNKNOWN = "unknown"
    UP = "up"
    DOWN = "down"


def redacted(url: str) -> str:
    """The URL with its password (if any) replaced, fit for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    name = user.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{name}:***@{host}"))


class RedisLink:
    """One client for claims and pub/sub; down on the first failure, up when a probe answers."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self.client: Redis | None = None
        self.channel_prefix = "lograph:"
        if url is not None:
            # Fail fast and let the caller fall back; the probe does the reconnecting.
            # One retry, because after an outage the pool still holds dead connections.
            self.client = Redis.from_url(
                url,
                socket_connect_timeout=1,
                socket_timeout=COMMAND_TIMEOUT_SECONDS,
                health_check_interval=10,
                retry=Retry(NoBackoff(), 1),
            )
            # Pub/sub channels ignore database numbers; naming the number keeps dbs apart.
            db = self.client.connection_pool.connection_kwargs.get("db") or 0
            self.channel_prefix = f"lograph:db{db}:"
        self._state = _State.UNKNOWN
        self._down = asyncio.Event()
        self._usable = asyncio.Event()
        self._usable.set()
        self._prober: asyncio.Task[None] | None = None

    @property
    def where(self) -> str:
        return redacted(self.url or "")

    def start(self) -> None:
        """Watch for outages: while Redis is down, probe it until it answers."""
        if self.client is not None:
            self._prober = asyncio.get_running_loop().create_task(self._probe_while_down())

    def usable(self) -> Redis | None:
        """The client, unless Redis is unset or known to be down (then work per process)."""
        return None if self._state is _State.DOWN else self.client

    async def wait_usable(self) -> None:
        """Return once Redis is not known to be down."""
        await self._usable.wait()

    async def wait_down(self) -> None:
        """Return once Redis is known to be down."""
        await self._down.wait()

    def mark_up(self) -> None:
        if self._state is _State.DOWN:
            logger.warning("Redis is back at %s: shared claims and fan-out resume", self.where)
        self._state = _State.UP
        self._down.clear()
        self._usable.set()

    def mark_down(self, error: BaseException) -> None:
        if self._state is not _State.DOWN:
            logger.warning(
                "Redis unavailable at %s (%s): each process works alone; reconnecting",
                self.where,
                str(error) or type(error).__name__,
            )
        self._state = _State.DOWN
        self._usable.clear()
        self._down.set()

    async def _probe_while_down(self) -> None:
        assert self.client is not None
        wait = PROBE_SECONDS[0]
        while True:
            await self.wait_down()
            await asyncio.sleep(wait)
            try:
                async with asyncio.timeout(2 * COMMAND_TIMEOUT_SECONDS):
                    await self.client.ping()
            except REDIS_ERRORS:
                wait = min(wait * 2, PROBE_SECONDS[1])
                continue
            wait = PROBE_SECONDS[0]
            self.mark_up()

    async def close(self) -> None:
        await stop_task(self._prober)
        if self.client is not None:
            await self.client.aclose()
