"""One rule against the database: does its condition hold, and what does its alert say?"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection

from alerts.payload import sample_json
from core.rule_criteria import base_criteria, both, counted_criteria
from db.alert_history import AlertState, NewAlert, fingerprint_of
from db.alert_rules import Condition, Rule, count_all, count_in_window, count_up_to
from db.engine import Database
from db.logs import LogCriteria

SAMPLE_SIZE = 5


async def condition_holds(db: Database, rule: Rule, *, now: datetime) -> bool:
    """Whether the window ending `now` meets the rule's condition; a threshold reads at most
    that many logs, a ratio counts both of its sides."""
    if rule.condition is Condition.BELOW and not watched_one_window(rule, now=now):
        return False
    criteria = counted_criteria(rule, now=now)
    if rule.condition is Condition.RATIO_ABOVE:
        base = base_criteria(rule, now=now)
        matched, total = await db.read_primary(
            lambda connection: (count_all(connection, criteria), count_all(connection, base))
        )
        assert rule.ratio is not None  # make_rule requires it for RATIO_ABOVE
        reached = total >= rule.min_base_count and matched >= rule.threshold
        return reached and matched / total >= rule.ratio
    counted = await db.read_primary(
        lambda connection: count_up_to(connection, criteria, limit=rule.threshold)
    )
    if rule.condition is Condition.BELOW:
        return counted < rule.threshold
    return counted >= rule.threshold


def watched_one_window(rule: Rule, *, now: datetime) -> bool:
    """A BELOW rule speaks only once it has been stored for a whole window: before that, its
    window holds a time when nobody was watching."""
    if rule.stored_at is None:
        return False
    return now - rule.stored_at >= timedelta(seconds=rule.window_seconds)


def rule_labels(rule: Rule) -> dict[str, str]:
    """What identifies the rule's instance (and names it to Alertmanager)."""
    return {"alertname": rule.name}


async def build_alert(db: Database, rule: Rule, *, now: datetime) -> NewAlert:
    """A one-shot firing recorded at `now`: the window's full count and its newest matches."""
    return await db.read_primary(lambda connection: alert_at(connection, rule, now=now))


def alert_at(
    connection: Connection,
    rule: Rule,
    *,
    now: datetime,
    state: AlertState = AlertState.FIRING,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    labels: dict[str, str] | None = None,
    group: LogCriteria | None = None,
    count: int | None = None,
) -> NewAlert:
    """The alert recorded at `now` (a one-shot firing unless told otherwise), read on this
    connection: the window's full count (unless the evaluation counted it) and its newest
    matches."""
    criteria = counted_criteria(rule, now=now)
    if group is not None:
        criteria = both(criteria, group)
    window = count_in_window(connection, criteria, samples=SAMPLE_SIZE, count=count)
    labels = rule_labels(rule) if labels is None else labels
    return NewAlert(
        rule=rule.name,
        count=window.count,
        threshold=rule.threshold,
        window_seconds=rule.window_seconds,
        fired_at=now,
        level=rule.level or rule.min_level,
        service=rule.service,
        samples=[sample_json(row) for row in window.samples],
        state=state,
        starts_at=now if starts_at is None else starts_at,
        ends_at=ends_at,
        fingerprint=fingerprint_of(labels),
        labels=labels,
        pattern=None,
    )
