"""One rule against the database: is its threshold reached, and what does its alert say?"""

from __future__ import annotations

from datetime import datetime

from alerts.payload import sample_json
from core.rules import rule_criteria
from db.alert_history import NewAlert
from db.alert_rules import Rule, count_in_window, count_up_to
from db.engine import Database

SAMPLE_SIZE = 5


async def threshold_reached(db: Database, rule: Rule, *, now: datetime) -> bool:
    """Whether the window ending `now` holds `threshold` matches; reads at most that many."""
    criteria = rule_criteria(rule, now=now)
    reached = await db.read(
        lambda connection: count_up_to(connection, criteria, limit=rule.threshold)
    )
    return reached >= rule.threshold


async def build_alert(db: Database, rule: Rule, *, now: datetime) -> NewAlert:
    """The alert as fired at `now`: the window's full count and its newest matches."""
    criteria = rule_criteria(rule, now=now)
    window = await db.read(
        lambda connection: count_in_window(connection, criteria, samples=SAMPLE_SIZE)
    )
    return NewAlert(
        rule=rule.name,
        count=window.count,
        threshold=rule.threshold,
        window_seconds=rule.window_seconds,
        fired_at=now,
        level=rule.level or rule.min_level,
        service=rule.service,
        samples=[sample_json(row) for row in window.samples],
    )
