"""Open-and-close alert instances: after each evaluation of a lifecycle rule, the state its
instance moves to, recorded by exactly one process."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Connection

from alerts.evaluation import alert_at
from alerts.groups import group_criteria, holds_by_group, labels_of
from db import alert_history, alert_instances
from db.alert_groups import GroupKey
from db.alert_history import AlertRecord, AlertState, fingerprint_of
from db.alert_instances import Instance
from db.alert_rules import Rule
from db.engine import Database

MOVES_PER_TRANSACTION = 50  # a few hundred milliseconds of statements at most


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


Recorded = tuple[Rule, Transition]


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


@dataclass(frozen=True, slots=True)
class Move:
    """A change decided for one group's instance, not yet recorded; `count`: the group's count
    in the window where the evaluation has it."""

    rule: Rule
    key: GroupKey
    change: Change
    seen: Instance | None
    count: int | None


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
    process recorded."""
    decided = moves(rule, holding, by_group, now=now, counts=counts)
    return [transition for _, transition in await record(db, decided, now=now)]


def moves(
    rule: Rule,
    holding: dict[GroupKey, bool],
    by_group: dict[GroupKey, Instance],
    *,
    now: datetime,
    counts: Mapping[GroupKey, int] | None = None,
) -> list[Move]:
    """The changes the rule's instances are to make, by whether the condition holds for each
    group. `counts`: every group's count in the window, where the evaluation has them all (a
    group absent counted none), so that the alerts need not count again."""
    decided = []
    for key, holds in holding.items():
        seen = by_group.get(key)
        change = next_change(rule, seen, holds=holds, now=now)
        if change is not None:
            count = None if counts is None else counts.get(key, 0)
            decided.append(Move(rule, key, change, seen, count))
    return decided


async def record(db: Database, decided: Sequence[Move], *, now: datetime) -> list[Recorded]:
    """Record the moves, up to MOVES_PER_TRANSACTION in each transaction: one commit (one WAL
    flush) for many changes, as when a run opens hundreds of instances, while each transaction
    stays short. In the instances' key order, so that processes recording the same instances at
    once wait for each other rather than deadlock. The changes this process made, with their
    rules (another process records and delivers the ones it made first)."""
    ordered = sorted(decided, key=lambda move: (move.rule.name, _fingerprint(move)))
    recorded: list[Recorded] = []
    for start in range(0, len(ordered), MOVES_PER_TRANSACTION):
        chunk = ordered[start : start + MOVES_PER_TRANSACTION]
        records = await db.write(partial(_record_each, chunk, now=now))
        recorded += [
            (move.rule, _made(move, record))
            for move, record in zip(chunk, records, strict=True)
            if record is not None
        ]
    return recorded


def _fingerprint(move: Move) -> str:
    return fingerprint_of(labels_of(move.rule, move.key))


def _made(move: Move, record: AlertRecord) -> Transition:
    version = 1 if move.seen is None else move.seen.version + 1
    instance = Instance(move.change.state, move.change.starts_at, version, move.key)
    return Transition(record, move.change.was, instance)


def _record_each(
    chunk: Sequence[Move], connection: Connection, *, now: datetime
) -> list[AlertRecord | None]:
    return [_record(connection, move, now=now) for move in chunk]


def _record(connection: Connection, move: Move, *, now: datetime) -> AlertRecord | None:
    """The change and its history row, only over the state it was decided on; the alert's
    count and samples are read only once the change is this process's (when several evaluate
    at once, the others stop at the instance)."""
    rule, key, change = move.rule, move.key, move.change
    labels = labels_of(rule, key)
    moved = alert_instances.change(
        connection,
        rule=rule.name,
        fingerprint=fingerprint_of(labels),
        seen=move.seen,
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
        count=move.count,
    )
    return alert_history.insert_alert(connection, alert)
