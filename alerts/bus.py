"""Fan-out: this process's subscribers at once, every other process through Redis pub/sub."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any

import orjson

from alerts.coalesce import stop_task
from alerts.hub import Hub
from alerts.payload import alert_from_json, alert_json
from alerts.redis_link import REDIS_ERRORS, RedisLink
from db.alert_history import AlertRecord

logger = logging.getLogger("lograph.alerts")

ALERTS_CHANNEL = "alerts"
RULES_CHANNEL = "alert-rules"
RECONNECT_SECONDS = (0.2, 5.0)  # first and longest wait between reconnect attempts


class AlertBus:
    """Publishes alerts and rule changes; relays other processes' ones to local callbacks."""

    def __init__(
        self,
        *,
        link: RedisLink,
        hub: Hub,
        on_remote_alert: Callable[[AlertRecord], None],
        on_rules_changed: Callable[[], None],
    ) -> None:
        self._link = link
        self._hub = hub
        self._on_remote_alert = on_remote_alert
        self._on_rules_changed = on_rules_changed
        self._origin = uuid.uuid4().hex
        self._wait = RECONNECT_SECONDS[0]
        self._listener: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._link.client is not None:
            self._listener = asyncio.get_running_loop().create_task(self._listen_forever())

    async def stop(self) -> None:
        await stop_task(self._listener)

    async def publish_alert(self, alert: AlertRecord) -> None:
        """Deliver here now, and to the other processes when Redis is reachable."""
        self._hub.deliver(alert)
        await self._publish(self._channel(ALERTS_CHANNEL), {"alert": alert_json(alert)})

    async def publish_rules_changed(self) -> None:
        await self._publish(self._channel(RULES_CHANNEL), {})

    def _channel(self, name: str) -> str:
        """`lograph:db<N>:<name>`: one deployment per Redis database, as for the claim keys."""
        return self._link.channel_prefix + name

    async def _publish(self, channel: str, body: dict[str, Any]) -> None:
        client = self._link.usable()
        if client is None:
            return
        try:
            await client.publish(channel, orjson.dumps({"origin": self._origin, **body}))
        except REDIS_ERRORS as error:
            self._link.mark_down(error)

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
        async with self._link.client.pubsub() as pubsub:
            await pubsub.subscribe(self._channel(ALERTS_CHANNEL), self._channel(RULES_CHANNEL))
            self._link.mark_up()
            self._wait = RECONNECT_SECONDS[0]
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is not None:
                    self._receive(message["channel"], message["data"])

    def _receive(self, channel: bytes, data: bytes) -> None:
        try:
            body = orjson.loads(data)
            if body.get("origin") == self._origin:
                return
            if channel.decode() == self._channel(RULES_CHANNEL):
                self._on_rules_changed()
                return
            alert = alert_from_json(body["alert"])
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.warning("ignored a malformed message on %r", channel)
            return
        self._hub.deliver(alert)
        self._on_remote_alert(alert)
