"""Open-and-close alert instances: after each evaluation of a lifecycle rule, the state its
instance moves to, recorded by exactly one process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from alerts.evaluation import alert_at
from alerts.groups import group_criteria, holds_by_group, labels_of
from db import alert_history, alert_instances
from db.alert_groups import GroupKey
from db.alert_history import AlertRecord, AlertState, fingerprint_of
from db.alert_instances import Instance
from db.alert_rules import Rule
from db.engine import Database


@dataclass(frozen=True, slots=True)
class Change:
    """An instance's next state; `was` is the state it leaves (None: it had none)."""

    state: AlertState
    starts_at: datetime
    ends_at: datetime | None
    was: AlertState | None


@dataclass(frozen=True, slots=True)
class Transition:
    """A recorded state change, the state the instance left and the instance it made."""

    record: AlertRecord
    was: AlertState | None
    instance: Instance


def next_change(rule: Rule, seen: Instance | None, *, holds: bool, now: datetime) -> Change | None:
    """PENDING for `forSeconds` (skipped at 0), then FIRING while the condition holds, and
    RESOLVED at the first evaluation where it does not; None: the instance stays as it is."""
    was = None if seen is None else seen.state
    if holds:
        if seen is None or seen.state is AlertState.RESOLVED:
            state = AlertState.PENDING if rule.for_seconds else AlertState.FIRING
            return Change(state, now, None, was)
        waited = now - seen.starts_at >= timedelta(seconds=rule.for_seconds)
        if seen.state is AlertState.PENDING and waited:
            return Change(AlertState.FIRING, now, None, was)
        return None
    if seen is None or seen.state is AlertState.RESOLVED:
        return None
    return Change(AlertState.RESOLVED, seen.starts_at, now, was)


async def advance(db: Database, rule: Rule, *, now: datetime, warned: set[str]) -> list[Transition]:
    """Evaluate the rule and move the instance of each group; only the changes this process
    recorded (another process records and delivers the ones it made first)."""
    instances = await db.read_primary(
        lambda connection: alert_instances.of_rule(connection, rule=rule.name)
    )
    by_group = {instance.group_key: instance for instance in instances.values()}
    holding = await holds_by_group(db, rule, now=now, known=by_group, warned=warned)
    return await apply(db, rule, holding, by_group, now=now)


async def apply(
    db: Database,
    rule: Rule,
    holding: dict[GroupKey, bool],
    by_group: dict[GroupKey, Instance],
    *,
    now: datetime,
    counts: Mapping[GroupKey, int] | None = None,
) -> list[Transition]:
    """Move each group's instance by whether the condition holds for it; the changes this
    process recorded. `counts`: every group's count in the window, where the evaluation has
    them all (a group absent counted none), so that the alerts need not count again."""
    transitions = []
    for key, holds in holding.items():
        seen = by_group.get(key)
        change = next_change(rule, seen, holds=holds, now=now)
        if change is not None:
            count = None if counts is None else counts.get(key, 0)
            transition = await _move(db, rule, key, change, seen=seen, now=now, count=count)
            if transition is not None:
                transitions.append(transition)
    return transitions


async def _move(
    db: Database,
    rule: Rule,
    key: GroupKey,
    change: Change,
    *,
    seen: Instance | None,
    now: datetime,
    count: int | None,
) -> Transition | None:
    record = await db.write(
        lambda connection: _record(connection, rule, key, change, seen=seen, now=now, count=count)
    )
    if record is None:
        return None
    version = 1 if seen is None else seen.version + 1
    return Transition(record, change.was, Instance(change.state, change.starts_at, version, key))


def _record(
    connection: Connection,
    rule: Rule,
    key: GroupKey,
    change: Change,
    *,
    seen: Instance | None,
    now: datetime,
    count: int | None,
) -> AlertRecord | None:
    """The change and its history row in one transaction, only over the state it was decided
    on; the alert's count and samples are read only once the change is this process's (when
    several evaluate at once, the others stop at the instance)."""
    labels = labels_of(rule, key)
    moved = alert_instances.change(
        connection,
        rule=rule.name,
        fingerprint=fingerprint_of(labels),
        seen=seen,
        state=change.state,
        starts_at=change.starts_at,
        group_key=key,
    )
    if not moved:
        return None
    alert = alert_at(
        connection,
        rule,
        now=now,
        state=change.state,
        starts_at=change.starts_at,
        ends_at=change.ends_at,
        labels=labels,
        group=group_criteria(rule, key),
        count=count,
    )
    return alert_history.insert_alert(connection, alert)
