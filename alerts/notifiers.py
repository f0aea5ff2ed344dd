"""Telling the outside world: a structured log line per alert, and the webhook when configured."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import orjson

from alerts.formats import WebhookFormat, webhook_body
from alerts.payload import alert_json
from db.alert_history import AlertRecord, AlertState
from db.alert_rules import Rule

logger = logging.getLogger("lograph.alerts")

WEBHOOK_TIMEOUT_SECONDS = 5.0
WEBHOOK_RETRIES = 3
WEBHOOK_BACKOFF_SECONDS = 0.5  # doubled after every failed attempt
MAX_PENDING_WEBHOOKS = 100
SHUTDOWN_GRACE_SECONDS = 1.0


def log_alert(alert: AlertRecord) -> None:
    """One line a log pipeline can parse: the alert without its samples, also as `extra`."""
    fields = {key: value for key, value in alert_json(alert).items() if key != "samples"}
    fields["sampleIds"] = [sample["id"] for sample in alert.samples]
    what = "fired" if alert.state is AlertState.FIRING else alert.state.value.lower()
    logger.warning("alert %s %s", what, orjson.dumps(fields).decode(), extra={"alert": fields})


class Notifier:
    """Logs every alert; POSTs it to the webhook in the background, never on the write path."""

    def __init__(
        self, *, webhook_url: str | None, form: WebhookFormat = "lograph", external_url: str = ""
    ) -> None:
        self._url = webhook_url
        self._form: WebhookFormat = form
        self._external_url = external_url
        self._client = httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_SECONDS) if webhook_url else None
        self._pending: set[asyncio.Task[None]] = set()

    def notify(self, alert: AlertRecord, *, rule: Rule, post: bool) -> None:
        """Log the alert; POST it too unless `post` is False (a PENDING change, say)."""
        log_alert(alert)
        if self._client is None or not post:
            return
        if len(self._pending) >= MAX_PENDING_WEBHOOKS:
            logger.error("webhook backlog full: alert %s of %s not posted", alert.id, alert.rule)
            return
        payload = webhook_body(alert, rule=rule, form=self._form, external_url=self._external_url)
        task = asyncio.get_running_loop().create_task(self._post(payload, alert))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _post(self, payload: dict[str, Any], alert: AlertRecord) -> None:
        """Try once plus WEBHOOK_RETRIES times on network errors, 429 and 5xx."""
        assert self._client is not None
        assert self._url is not None
        failure = ""
        for attempt in range(WEBHOOK_RETRIES + 1):
            if attempt:
                await asyncio.sleep(WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt - 1))
            try:
                response = await self._client.post(self._url, json=payload)
            except httpx.HTTPError as error:
                failure = f"{type(error).__name__}: {error}"
                continue
            if response.is_success:
                return
            failure = f"HTTP {response.status_code}"
            if response.status_code != 429 and response.status_code < 500:
                break
        logger.error("webhook failed for alert %s of %s: %s", alert.id, alert.rule, failure)

    async def close(self) -> None:
        """Give in-flight webhooks a moment to finish, then drop them."""
        if self._pending:
            await asyncio.wait(list(self._pending), timeout=SHUTDOWN_GRACE_SECONDS)
        for task in list(self._pending):
            task.cancel()
        if self._client is not None:
            await self._client.aclose()
