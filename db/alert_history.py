"""Every SQL statement over the history of alerts: each firing, and each state change of an
open-and-close instance."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from db.levels import Level
from db.models import alert_history, alert_instances


class AlertState(StrEnum):
    """Where an alert instance is: its condition holds but not yet for long enough, holds, or
    stopped holding. One-shot firings are FIRING."""

    PENDING = "PENDING"
    FIRING = "FIRING"
    RESOLVED = "RESOLVED"


@dataclass(frozen=True, slots=True)
class NewAlert:
    """A firing or state change about to be recorded; samples are JSON-ready logs, newest first."""

    rule: str
    count: int
    threshold: int
    window_seconds: int
    fired_at: datetime  # when this was recorded
    level: Level | None
    service: str | None
    samples: list[dict[str, Any]]
    state: AlertState
    starts_at: datetime  # when the instance entered `state` (RESOLVED: when it began firing)
    ends_at: datetime | None  # RESOLVED only
    fingerprint: str
    labels: dict[str, str]
    pattern: dict[str, str] | None  # a new-pattern alert's {"id", "service", "template"}


@dataclass(frozen=True, slots=True)
class AlertRecord(NewAlert):
    """A recorded alert: what history returns and what subscribers and webhooks receive."""

    id: int


def insert_alert(connection: Connection, alert: NewAlert) -> AlertRecord:
    """Record one firing or state change and return it with its id."""
    given = {field.name: getattr(alert, field.name) for field in fields(alert)}  # not deep
    values = {**given, "level": None if alert.level is None else alert.level.value}
    values["state"] = alert.state.value
    statement = insert(alert_history).values(values).returning(alert_history.c.id)
    alert_id: int = connection.execute(statement).scalar_one()
    return AlertRecord(id=alert_id, **given)


def recent_alerts(
    connection: Connection,
    *,
    rule: str | None,
    since: datetime | None,
    state: AlertState | None = None,
    limit: int,
) -> list[AlertRecord]:
    """Newest first, optionally of one rule, in one state and no older than `since` (inclusive)."""
    statement = select(alert_history)
    if rule is not None:
        statement = statement.where(alert_history.c.rule == rule)
    if since is not None:
        statement = statement.where(alert_history.c.fired_at >= since)
    if state is not None:
        statement = statement.where(alert_history.c.state == state.value)
    order = (alert_history.c.fired_at.desc(), alert_history.c.id.desc())
    return [_record(row) for row in connection.execute(statement.order_by(*order).limit(limit))]


def firing_now(connection: Connection) -> list[AlertRecord]:
    """The FIRING change of every instance that is FIRING now (to push to Alertmanager again)."""
    instances = alert_instances
    statement = (
        select(alert_history)
        .join(
            instances,
            (instances.c.rule == alert_history.c.rule)
            & (instances.c.fingerprint == alert_history.c.fingerprint)
            & (instances.c.starts_at == alert_history.c.starts_at),
        )
        .where(
            instances.c.state == AlertState.FIRING.value,
            alert_history.c.state == AlertState.FIRING.value,
        )
    )
    return [_record(row) for row in connection.execute(statement)]


def _record(row: Row[Any]) -> AlertRecord:
    values = dict(row._mapping)  # by name: `row.count` would be the tuple method
    level = values.pop("level")
    labels = values.pop("labels") or {"alertname": values["rule"]}
    return AlertRecord(
        **values
        | {
            "level": None if level is None else Level(level),
            "state": AlertState(values["state"]),
            "starts_at": values["starts_at"] or values["fired_at"],
            "fingerprint": values["fingerprint"] or fingerprint_of(labels),
            "labels": labels,
        }
    )


def fingerprint_of(labels: dict[str, str]) -> str:
    """Stable per rule and group: 16 hex digits of a hash of the sorted labels."""
    text = "\x00".join(f"{key}\x00{value}" for key, value in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
