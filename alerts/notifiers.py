"""Telling the outside world: a structured log line per alert, and the webhook and Alertmanager
when configured."""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from alerts.formats import WebhookFormat, postable, push_url, webhook_body
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


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default TLS settings, built once per process: loading the CA bundle costs tens of
    milliseconds, which every app start (and so every test's app) would pay again."""
    return httpx.create_ssl_context()


class Notifier:
    """Logs every alert; POSTs it to the webhook and pushes it to Alertmanager in the
    background, never on the write path."""

    def __init__(
        self,
        *,
        webhook_url: str | None,
        form: WebhookFormat = "lograph",
        external_url: str = "",
        alertmanager_url: str | None = None,
    ) -> None:
        self._url = webhook_url
        self._form: WebhookFormat = form
        self._external_url = external_url
        self._alertmanager = None if alertmanager_url is None else push_url(alertmanager_url)
        self._client = httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_SECONDS, verify=_tls())
        self._pending: set[asyncio.Task[None]] = set()

    def notify(self, alert: AlertRecord, *, rule: Rule, post: bool) -> None:
        """Log the alert; send it on too unless `post` is False (a PENDING change, say)."""
        log_alert(alert)
        if not post:
            return
        if self._url is not None:
            body = webhook_body(alert, rule=rule, form=self._form, external_url=self._external_url)
            self._send(self._url, body, alert, what="webhook")
        self.push([(alert, rule)])

    def push(self, alerts: list[tuple[AlertRecord, Rule]]) -> None:
        """Push alerts to Alertmanager, when there is one: state changes, and re-sends."""
        if self._alertmanager is None or not alerts:
            return
        now = datetime.now(UTC)
        body = [
            postable(alert, rule=rule, external_url=self._external_url, now=now)
            for alert, rule in alerts
        ]
        self._send(self._alertmanager, body, alerts[0][0], what="alertmanager push")

    def _send(self, url: str, payload: Any, alert: AlertRecord, *, what: str) -> None:
        if len(self._pending) >= MAX_PENDING_WEBHOOKS:
            logger.error("%s backlog full: alert %s of %s not sent", what, alert.id, alert.rule)
            return
        task = asyncio.get_running_loop().create_task(self._post(url, payload, alert, what=what))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _post(self, url: str, payload: Any, alert: AlertRecord, *, what: str) -> None:
        """Try once plus WEBHOOK_RETRIES times on network errors, 429 and 5xx."""
        failure = ""
        for attempt in range(WEBHOOK_RETRIES + 1):
            if attempt:
                await asyncio.sleep(WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt - 1))
            try:
                response = await self._client.post(url, json=payload)
            except httpx.HTTPError as error:
                failure = f"{type(error).__name__}: {error}"
                continue
            if response.is_success:
                return
            failure = f"HTTP {response.status_code}"
            if response.status_code != 429 and response.status_code < 500:
                break
        logger.error("%s failed for alert %s of %s: %s", what, alert.id, alert.rule, failure)

    async def close(self) -> None:
        """Give in-flight calls a moment to finish, then drop them."""
        if self._pending:
            await asyncio.wait(list(self._pending), timeout=SHUTDOWN_GRACE_SECONDS)
        for task in list(self._pending):
            task.cancel()
        await self._client.aclose()
