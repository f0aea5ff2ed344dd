"""Every SQL statement over the alert rules and the marker that says they were seeded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import Connection, Row, delete, func, select

from db import alert_instances
from db.levels import Level
from db.logs import LogCriteria, LogRecord, filtered, find_logs
from db.models import alert_rules, alert_rules_seeded, dialect_insert, logs

_SEED_MARKER_ID = 1


class Condition(StrEnum):
    """What a rule tests of the logs in its window."""

    ABOVE = "ABOVE"  # at least `threshold` match
    BELOW = "BELOW"  # fewer than `threshold` match
    RATIO_ABOVE = "RATIO_ABOVE"  # matches / base matches reach `ratio`


@dataclass(frozen=True, kw_only=True)
class Rule:
    """A validated alert rule: which logs it counts, and what of their count in its window
    fires it."""

    name: str
    level: Level | None = None
    min_level: Level | None = None
    service: str | None = None
    message_contains: str | None = None
    filter: str | None = None  # JSON text in LogFilter's shape, as given beside the fields above
    condition: Condition = Condition.ABOVE
    threshold: int
    ratio: float | None = None  # RATIO_ABOVE only
    base_filter: str | None = None  # RATIO_ABOVE only, as `filter`; None: every log
    min_base_count: int = 1
    window_seconds: int
    cooldown_seconds: int  # one-shot rules only
    lifecycle: bool = False  # instances go PENDING, FIRING, RESOLVED instead of one-shot firings
    for_seconds: int = 0  # lifecycle only: how long the condition holds before FIRING
    group_by: tuple[str, ...] = ()  # lifecycle only: one instance per value of these
    on_new_pattern: bool = False  # fires once per pattern mined after it was stored, nothing else
    stored_at: datetime | None = field(default=None, compare=False)  # None until stored


@dataclass(frozen=True, slots=True)
class WindowCount:
    """How many logs a rule's criteria select, and the newest few of them."""

    count: int
    samples: list[LogRecord]


def list_rules(connection: Connection) -> list[Rule]:
    return [_rule(row) for row in connection.execute(select(alert_rules).order_by("name"))]


def upsert_rule(connection: Connection, rule: Rule) -> Rule:
    """Create the rule, or replace the one with its name, in one statement."""
    values = _values(rule)
    statement = dialect_insert(connection, alert_rules).values(values)
    changed = {key: statement.excluded[key] for key in values if key != "name"}
    connection.execute(statement.on_conflict_do_update(index_elements=["name"], set_=changed))
    return rule


def delete_rule(connection: Connection, name: str) -> Rule | None:
    """Delete and return the rule as it was, or None when there is no such rule; its open
    instances go too, so a new rule of that name starts afresh."""
    alert_instances.forget(connection, rule=name)
    statement = delete(alert_rules).where(alert_rules.c.name == name).returning(alert_rules)
    row = connection.execute(statement).first()
    return None if row is None else _rule(row)


def seeded_before(connection: Connection) -> bool:
    """Whether some start already seeded the rules; deleting them all must not re-seed."""
    return connection.execute(select(alert_rules_seeded.c.id)).first() is not None


def seed_rules(connection: Connection, rules: Sequence[Rule], *, source: str) -> bool:
    """Insert the first rules once per database; False when some start seeded them before."""
    marker = (
        dialect_insert(connection, alert_rules_seeded)
        .values(id=_SEED_MARKER_ID, seeded_at=datetime.now(UTC), source=source)
        .on_conflict_do_nothing()
        .returning(alert_rules_seeded.c.id)
    )
    # Concurrent starts queue on the marker's key; only the first one inserts it.
    if connection.execute(marker).first() is None:
        return False
    if rules:
        connection.execute(alert_rules.insert(), [_values(rule) for rule in rules])
    return True


def count_up_to(connection: Connection, criteria: LogCriteria, *, limit: int) -> int:
    """How many logs match, counting no further than `limit`: the cost is bounded by it."""
    if criteria.matches_nothing:
        return 0
    capped = filtered(select(logs.c.id), criteria).limit(limit).subquery()
    count: int = connection.execute(select(func.count()).select_from(capped)).scalar_one()
    return count


def count_all(connection: Connection, criteria: LogCriteria) -> int:
    """How many logs match, all of them (a ratio needs both of its counts exactly)."""
    if criteria.matches_nothing:
        return 0
    count: int = connection.execute(
        filtered(select(func.count()).select_from(logs), criteria)
    ).scalar_one()
    return count


def count_in_window(
    connection: Connection, criteria: LogCriteria, *, samples: int, count: int | None = None
) -> WindowCount:
    """The full matching count (unless counted already) and the newest matches (once per
    firing, so the cost is rare)."""
    if count is None:
        count = count_all(connection, criteria)
    newest = find_logs(connection, criteria, skip=0, limit=samples, descending=True)
    return WindowCount(count=count, samples=newest)


def _values(rule: Rule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "level": None if rule.level is None else rule.level.value,
        "min_level": None if rule.min_level is None else rule.min_level.value,
        "service": rule.service,
        "message_contains": rule.message_contains,
        "filter": rule.filter,
        "condition": rule.condition.value,
        "threshold": rule.threshold,
        "ratio": rule.ratio,
        "base_filter": rule.base_filter,
        "min_base_count": rule.min_base_count,
        "lifecycle": rule.lifecycle,
        "for_seconds": rule.for_seconds,
        "group_by": orjson.dumps(rule.group_by).decode() if rule.group_by else None,
        "on_new_pattern": rule.on_new_pattern,
        "window_seconds": rule.window_seconds,
        "cooldown_seconds": rule.cooldown_seconds,
        "updated_at": datetime.now(UTC),
    }


def _rule(row: Row[Any]) -> Rule:
    return Rule(
        name=row.name,
        level=None if row.level is None else Level(row.level),
        min_level=None if row.min_level is None else Level(row.min_level),
        service=row.service,
        message_contains=row.message_contains,
        filter=row.filter,
        condition=Condition(row.condition),
        threshold=row.threshold,
        ratio=row.ratio,
        base_filter=row.base_filter,
        min_base_count=row.min_base_count,
        window_seconds=row.window_seconds,
        cooldown_seconds=row.cooldown_seconds,
        lifecycle=row.lifecycle,
        for_seconds=row.for_seconds,
        group_by=tuple(orjson.loads(row.group_by)) if row.group_by else (),
        on_new_pattern=row.on_new_pattern,
        stored_at=row.updated_at,
    )
