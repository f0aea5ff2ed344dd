"""The webhook bodies receivers expect: lograph's own, Alertmanager's webhook (version 4) and a
Slack incoming webhook's; and the link back to an alert's logs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

import orjson

from alerts.payload import webhook_json
from core.filter_json import filter_json
from core.rule_criteria import effective_filter
from db.alert_history import AlertRecord, AlertState
from db.alert_rules import Rule

WebhookFormat = Literal["lograph", "alertmanager", "slack"]
RECEIVER = "lograph"
# Firing instances are pushed again this often, each push valid for four periods (as
# Prometheus does), so one lost push does not resolve them.
RESEND_SECONDS = 60.0
RESEND_ENDS_AFTER = timedelta(seconds=4 * RESEND_SECONDS)
# Alertmanager's zero time: an alert with no end yet.
NO_END = "0001-01-01T00:00:00Z"
LOGS_QUERY = (
    "query($filter: LogFilter) { logs(filter: $filter, limit: 100) "
    "{ id timestamp level service message metadata } }"
)


def webhook_body(
    alert: AlertRecord, *, rule: Rule, form: WebhookFormat, external_url: str
) -> dict[str, Any]:
    """The body to POST for this alert in the receiver's format."""
    if form == "alertmanager":
        return alertmanager_webhook(alert, rule=rule, external_url=external_url)
    if form == "slack":
        return slack_message(alert, rule=rule, external_url=external_url)
    return webhook_json(alert, lifecycle=rule.lifecycle)


def alertmanager_webhook(alert: AlertRecord, *, rule: Rule, external_url: str) -> dict[str, Any]:
    """What Alertmanager's webhook receiver POSTs, for one alert: its receivers take it as is."""
    one = alertmanager_alert(alert, rule=rule, external_url=external_url)
    status = one["status"]
    group_labels = {"alertname": alert.rule}
    return {
        "version": "4",
        "groupKey": "{}:" + _label_set(group_labels),
        "truncatedAlerts": 0,
        "status": status,
        "receiver": RECEIVER,
        "groupLabels": group_labels,
        "commonLabels": one["labels"],
        "commonAnnotations": one["annotations"],
        "externalURL": external_url,
        "alerts": [one],
    }


def alertmanager_alert(alert: AlertRecord, *, rule: Rule, external_url: str) -> dict[str, Any]:
    """One alert as Alertmanager's webhook and its `POST /api/v2/alerts` describe it."""
    resolved = alert.state is AlertState.RESOLVED
    return {
        "status": "resolved" if resolved else "firing",
        "labels": alert.labels,
        "annotations": annotations_of(alert),
        "startsAt": _rfc3339(alert.starts_at.isoformat()),
        "endsAt": NO_END if alert.ends_at is None else _rfc3339(alert.ends_at.isoformat()),
        "generatorURL": generator_url(alert, rule=rule, external_url=external_url),
        "fingerprint": alert.fingerprint,
    }


def postable(alert: AlertRecord, *, rule: Rule, external_url: str, now: datetime) -> dict[str, Any]:
    """The alert for Alertmanager's `POST /api/v2/alerts`. A firing lifecycle instance ends
    RESEND_ENDS_AFTER from now unless re-sent (so Alertmanager resolves it if lograph stops);
    a one-shot firing gives no end (Alertmanager's resolve_timeout applies)."""
    one = alertmanager_alert(alert, rule=rule, external_url=external_url)
    body = {key: one[key] for key in ("labels", "annotations", "startsAt", "generatorURL")}
    if alert.ends_at is not None:
        body["endsAt"] = one["endsAt"]
    elif rule.lifecycle:
        body["endsAt"] = _rfc3339((now + RESEND_ENDS_AFTER).isoformat())
    return body


def push_url(alertmanager_url: str) -> str:
    """Where alerts are pushed: Alertmanager's API v2 under its base URL."""
    return alertmanager_url.rstrip("/") + "/api/v2/alerts"


def slack_message(alert: AlertRecord, *, rule: Rule, external_url: str) -> dict[str, Any]:
    """A Slack incoming-webhook body: the one-line `text` and the same in blocks, linked."""
    link = generator_url(alert, rule=rule, external_url=external_url)
    text = f"[{alert.state.value}] {alert.rule}: {summary(alert)}"
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{text}*"}},
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"<{link}|Open the logs> · {alert.fingerprint}"}
                ],
            },
        ],
    }


def annotations_of(alert: AlertRecord) -> dict[str, str]:
    """The summary; a new-pattern alert adds its template and a sample line."""
    notes = {"summary": summary(alert)}
    if alert.pattern is not None:
        notes["template"] = alert.pattern["template"]
        if alert.samples:
            notes["sample"] = str(alert.samples[0]["message"])
    return notes


def summary(alert: AlertRecord) -> str:
    """What happened, in one line."""
    if alert.pattern is not None:
        return f"new pattern in {alert.pattern['service']}: {alert.pattern['template']}"
    return (
        f"{alert.count} matching logs in the last {alert.window_seconds} s "
        f"(threshold {alert.threshold})"
    )


def generator_url(alert: AlertRecord, *, rule: Rule, external_url: str) -> str:
    """lograph's GraphQL IDE opened on the rule's logs in the window of this change (of the
    new pattern, for a new-pattern alert)."""
    end = alert.fired_at if alert.ends_at is None else alert.ends_at
    window = filter_json(effective_filter(rule))
    if alert.pattern is not None:
        window["patterns"] = [alert.pattern["id"]]
    window["startTime"] = (end - timedelta(seconds=rule.window_seconds)).isoformat()
    window["endTime"] = end.isoformat()
    variables = orjson.dumps({"filter": window}).decode()
    return f"{external_url.rstrip('/')}/graphql?" + urlencode(
        {"q": LOGS_QUERY, "variables": variables}
    )


def _label_set(labels: dict[str, str]) -> str:
    inner = ",".join(
        f"{key}={orjson.dumps(value).decode()}" for key, value in sorted(labels.items())
    )
    return "{" + inner + "}"


def _rfc3339(moment: str) -> str:
    return moment.replace("+00:00", "Z")
