"""The JSON shape of an alert, shared by pub/sub messages, webhooks and log lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.alert_history import AlertRecord, AlertState
from db.levels import Level
from db.logs import LogRecord


def sample_json(log: LogRecord) -> dict[str, Any]:
    """A matching log as stored in history: the GraphQL Log's fields and JSON."""
    return {
        "id": str(log.id),
        "timestamp": log.timestamp.isoformat(),
        "level": log.level.value,
        "service": log.service,
        "message": log.message,
        "metadata": log.metadata,
    }


def alert_json(alert: AlertRecord) -> dict[str, Any]:
    """The alert as a GraphQL client would receive it; also the webhook's body."""
    return {
        "id": str(alert.id),
        "rule": alert.rule,
        "count": alert.count,
        "threshold": alert.threshold,
        "windowSeconds": alert.window_seconds,
        "firedAt": alert.fired_at.isoformat(),
        "level": None if alert.level is None else alert.level.value,
        "service": alert.service,
        "samples": alert.samples,
        "state": alert.state.value,
        "startsAt": alert.starts_at.isoformat(),
        "endsAt": None if alert.ends_at is None else alert.ends_at.isoformat(),
        "fingerprint": alert.fingerprint,
        "labels": alert.labels,
        "pattern": alert.pattern,
    }


# What a one-shot firing carried before lifecycles: its webhook body stays exactly this.
ONE_SHOT_KEYS = ("id", "rule", "count", "threshold", "windowSeconds", "firedAt", "level", "service")


def webhook_json(alert: AlertRecord, *, lifecycle: bool) -> dict[str, Any]:
    """The default webhook's body: a one-shot rule's as it always was, a state change whole."""
    data = alert_json(alert)
    if lifecycle:
        return data
    body = {key: data[key] for key in (*ONE_SHOT_KEYS, "samples")}
    if alert.pattern is not None:  # a new-pattern alert names its pattern
        body["pattern"] = alert.pattern
    return body


def alert_from_json(data: dict[str, Any]) -> AlertRecord:
    """Read back what alert_json wrote (in another process)."""
    return AlertRecord(
        id=int(data["id"]),
        rule=str(data["rule"]),
        count=int(data["count"]),
        threshold=int(data["threshold"]),
        window_seconds=int(data["windowSeconds"]),
        fired_at=datetime.fromisoformat(data["firedAt"]),
        level=None if data["level"] is None else Level(data["level"]),
        service=data["service"],
        samples=list(data["samples"]),
        state=AlertState(data["state"]),
        starts_at=datetime.fromisoformat(data["startsAt"]),
        ends_at=None if data["endsAt"] is None else datetime.fromisoformat(data["endsAt"]),
        fingerprint=str(data["fingerprint"]),
        labels={str(key): str(value) for key, value in data["labels"].items()},
        pattern=_pattern(data.get("pattern")),  # absent from a process before new patterns
    )


def _pattern(data: Any) -> dict[str, str] | None:
    if data is None:
        return None
    return {key: str(data[key]) for key in ("id", "service", "template")}
