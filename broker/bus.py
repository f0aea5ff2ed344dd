"""Cross-process fan-out over Redis pub/sub: one channel per topic, each process hearing the
others' messages (never its own), and working alone while Redis is away."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any

from redis.asyncio.client import PubSub

from broker.redis_link import COMMAND_TIMEOUT_SECONDS, REDIS_ERRORS, RedisLink
from broker.tasks import stop_task

logger = logging.getLogger("lograph.broker")

# A frozen Redis keeps the subscription's socket open and silent, so it is pinged: no PONG
# within the timeout counts as an outage, like a broken connection.
PING_SECONDS = 3.0
PONG_TIMEOUT_SECONDS = COMMAND_TIMEOUT_SECONDS
READ_SECONDS = 0.5
Handler = Callable[[bytes], None]


class Bus:
    """Publishes payloads on topics; hands other processes' payloads to the topic's handler."""

    def __init__(self, link: RedisLink) -> None:
        self._link = link
        self._handlers: dict[str, Handler] = {}
        # Every message starts with its sender's id, so a process skips what it sent itself.
        self._origin = uuid.uuid4().hex.encode()
        self._listener: asyncio.Task[None] | None = None

    @property
    def reaches_others(self) -> bool:
        """Whether a publish now would reach other processes (Redis set and not known down)."""
        return self._link.usable() is not None

    def on(self, topic: str, handler: Handler) -> None:
        """Hear `topic`; call before `start`."""
        self._handlers[topic] = handler

    def start(self) -> None:
        if self._link.client is not None and self._handlers:
            self._listener = asyncio.get_running_loop().create_task(self._listen_forever())

    async def stop(self) -> None:
        await stop_task(self._listener)

    async def publish(self, topic: str, payload: bytes) -> None:
        """Send to the other processes when Redis is reachable; drop it quietly when not."""
        client = self._link.usable()
        if client is None:
            return
        try:
            await client.publish(self._channel(topic), self._origin + b" " + payload)
        except REDIS_ERRORS as error:
            self._link.mark_down(error)

    def _channel(self, topic: str) -> str:
        """`lograph:db<N>:<topic>`: one deployment per Redis database, as for claim keys."""
        return self._link.channel_prefix + topic

    async def _listen_forever(self) -> None:
        """Stay subscribed while Redis is usable; after an outage, subscribe again once the
        link's probe finds Redis back."""
        while True:
            await self._link.wait_usable()
            try:
                await self._listen()
            except REDIS_ERRORS as error:
                self._link.mark_down(error)

    async def _listen(self) -> None:
        """Hear the topics until Redis is known to be down (returns) or fails here (raises)."""
        assert self._link.client is not None
        async with self._link.client.pubsub() as pubsub:
            await pubsub.subscribe(*(self._channel(topic) for topic in self._handlers))
            down = asyncio.ensure_future(self._link.wait_down())
            try:
                while not down.done():
                    await self._ping(pubsub)
                    await self._read(pubsub, down)
            finally:
                down.cancel()

    async def _ping(self, pubsub: PubSub) -> None:
        """Ask for a PONG and read messages until it comes, or raise TimeoutError."""
        await pubsub.ping()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PONG_TIMEOUT_SECONDS
        while (remaining := deadline - loop.time()) > 0:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=remaining)
            if message is None:
                continue
            if message["type"] == "pong":
                self._link.mark_up()
                return
            self._receive_message(message)
        raise TimeoutError(f"no PONG on the subscription within {PONG_TIMEOUT_SECONDS:g} s")

    async def _read(self, pubsub: PubSub, down: asyncio.Future[None]) -> None:
        """Hand on messages until the next ping is due or Redis is known to be down."""
        loop = asyncio.get_running_loop()
        until = loop.time() + PING_SECONDS
        while not down.done() and loop.time() < until:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=READ_SECONDS)
            if message is not None and message["type"] != "pong":
                self._receive_message(message)

    def _receive_message(self, message: dict[str, Any]) -> None:
        topic = message["channel"].decode().removeprefix(self._link.channel_prefix)
        if topic in self._handlers:
            self._receive(topic, message["data"])

    def _receive(self, topic: str, data: bytes) -> None:
        origin, _, payload = data.partition(b" ")
        if origin == self._origin:
            return
        try:
            self._handlers[topic](payload)
        except Exception:
            logger.exception("ignored a message on %r that could not be handled", topic)
