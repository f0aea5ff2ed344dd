"""Every SQL statement over the history of fired alerts."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from db.levels import Level
from db.models import alert_history


@dataclass(frozen=True, slots=True)
class NewAlert:
    """A firing about to be recorded; samples are JSON-ready logs, newest first."""

    rule: str
    count: int
    threshold: int
    window_seconds: int
    fired_at: datetime
    level: Level | None
    service: str | None
    samples: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class AlertRecord(NewAlert):
    """A recorded firing: what history returns and what subscribers and webhooks receive."""

    id: int


def insert_alert(connection: Connection, alert: NewAlert) -> AlertRecord:
    """Record one firing and return it with its id."""
    values = asdict(alert)
    values["level"] = None if alert.level is None else alert.level.value
    statement = insert(alert_history).values(values).returning(alert_history.c.id)
    alert_id: int = connection.execute(statement).scalar_one()
    return AlertRecord(id=alert_id, **asdict(alert))


def recent_alerts(
    connection: Connection, *, rule: str | None, since: datetime | None, limit: int
) -> list[AlertRecord]:
    """Newest first, optionally of one rule and no older than `since` (inclusive)."""
    statement = select(alert_history)
    if rule is not None:
        statement = statement.where(alert_history.c.rule == rule)
    if since is not None:
        statement = statement.where(alert_history.c.fired_at >= since)
    order = (alert_history.c.fired_at.desc(), alert_history.c.id.desc())
    return [_record(row) for row in connection.execute(statement.order_by(*order).limit(limit))]


def _record(row: Row[Any]) -> AlertRecord:
    values = dict(row._mapping)  # by name: `row.count` would be the tuple method
    level = values.pop("level")
    return AlertRecord(level=None if level is None else Level(level), **values)
