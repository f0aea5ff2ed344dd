"""Alerts and rule changes on the broker: this process's subscribers at once, every other
process through Redis."""

from __future__ import annotations

import logging
from collections.abc import Callable

import orjson

from alerts.payload import alert_from_json, alert_json
from broker.bus import Bus
from broker.hub import Hub
from db.alert_history import AlertRecord

logger = logging.getLogger("lograph.alerts")

ALERTS_TOPIC = "alerts"
RULES_TOPIC = "alert-rules"


class AlertBus:
    """Publishes alerts and rule changes; relays other processes' ones to local callbacks."""

    def __init__(
        self,
        *,
        bus: Bus,
        hub: Hub[AlertRecord],
        on_remote_alert: Callable[[AlertRecord], None],
        on_rules_changed: Callable[[], None],
    ) -> None:
        self._bus = bus
        self._hub = hub
        self._on_remote_alert = on_remote_alert
        bus.on(ALERTS_TOPIC, self._receive_alert)
        bus.on(RULES_TOPIC, lambda _payload: on_rules_changed())

    async def publish_alert(self, alert: AlertRecord) -> None:
        """Deliver here now, and to the other processes when Redis is reachable."""
        self._hub.deliver(alert)
        await self._bus.publish(ALERTS_TOPIC, orjson.dumps(alert_json(alert)))

    async def publish_rules_changed(self) -> None:
        await self._bus.publish(RULES_TOPIC, b"")

    def _receive_alert(self, payload: bytes) -> None:
        try:
            alert = alert_from_json(orjson.loads(payload))
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.warning("ignored a malformed alert message")
            return
        self._hub.deliver(alert)
        self._on_remote_alert(alert)
