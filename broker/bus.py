"""Cross-process fan-out over Redis pub/sub: one channel per topic, each process hearing the
others' messages (never its own), and working alone while Redis is away."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable

from broker.redis_link import REDIS_ERRORS, RedisLink
from broker.tasks import stop_task

logger = logging.getLogger("lograph.broker")

RECONNECT_SECONDS = (0.2, 5.0)  # first and longest wait between reconnect attempts
Handler = Callable[[bytes], None]


class Bus:
    """Publishes payloads on topics; hands other processes' payloads to the topic's handler."""

    def __init__(self, link: RedisLink) -> None:
        self._link = link
        self._handlers: dict[str, Handler] = {}
        # Every message starts with its sender's id, so a process skips what it sent itself.
        self._origin = uuid.uuid4().hex.encode()
        self._wait = RECONNECT_SECONDS[0]
        self._listener: asyncio.Task[None] | None = None

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
        """Stay subscribed; on any Redis failure fall back, then retry with growing waits."""
        while True:
            try:
                await self._listen()
            except REDIS_ERRORS as error:
                self._link.mark_down(error)
            await asyncio.sleep(self._wait)
            self._wait = min(self._wait * 2, RECONNECT_SECONDS[1])

    async def _listen(self) -> None:
        assert self._link.client is not None
        topics = {self._channel(topic): topic for topic in self._handlers}
        async with self._link.client.pubsub() as pubsub:
            await pubsub.subscribe(*topics)
            self._link.mark_up()
            self._wait = RECONNECT_SECONDS[0]
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is not None:
                    self._receive(topics[message["channel"].decode()], message["data"])

    def _receive(self, topic: str, data: bytes) -> None:
        origin, _, payload = data.partition(b" ")
        if origin == self._origin:
            return
        try:
            self._handlers[topic](payload)
        except Exception:
            logger.exception("ignored a message on %r that could not be handled", topic)
