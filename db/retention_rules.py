"""Every SQL statement over the retention rules, and which days apply to a log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import ColumnElement, Connection, Integer, Row, case, delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from db.levels import Level
from db.logs import one_of
from db.models import logs, retention_rules


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionRule:
    """Logs of these services and levels (None: all) are kept `days` days; of the matching
    rules, the highest `priority` decides, then the shortest `days`."""

    name: str
    services: frozenset[str] | None
    levels: frozenset[Level] | None
    days: int
    priority: int

    @property
    def matches_all(self) -> bool:
        return self.services is None and self.levels is None


def deciding_order(rules: Sequence[RetentionRule]) -> list[RetentionRule]:
    """The rules in the order they decide: highest priority, then fewest days, then name."""
    return sorted(rules, key=lambda rule: (-rule.priority, rule.days, rule.name))


def list_rules(connection: Connection) -> list[RetentionRule]:
    rows = connection.execute(select(retention_rules).order_by(retention_rules.c.name))
    return [_rule(row) for row in rows]


def upsert_rule(connection: Connection, rule: RetentionRule) -> RetentionRule:
    """Create the rule, or replace the one with its name, in one statement."""
    values = {
        "name": rule.name,
        "services": None if rule.services is None else _json(sorted(rule.services)),
        "levels": None
        if rule.levels is None
        else _json(sorted(level.value for level in rule.levels)),
        "days": rule.days,
        "priority": rule.priority,
        "updated_at": datetime.now(UTC),
    }
    insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert
    statement = insert(retention_rules).values(values)
    changed = {key: statement.excluded[key] for key in values if key != "name"}
    connection.execute(statement.on_conflict_do_update(index_elements=["name"], set_=changed))
    return rule


def delete_rule(connection: Connection, name: str) -> RetentionRule | None:
    statement = (
        delete(retention_rules).where(retention_rules.c.name == name).returning(retention_rules)
    )
    row = connection.execute(statement).first()
    return None if row is None else _rule(row)


def kept_days(rules: Sequence[RetentionRule], default: int | None) -> ColumnElement[int | None]:
    """Per log, the days the deciding rule (or the default; NULL: forever) keeps it. A rule
    that matches every log decides all that no rule ranked above it matched."""
    ranked = []
    fallback = default
    for rule in deciding_order(rules):
        if rule.matches_all:
            fallback = rule.days
            break
        ranked.append((_matches(rule), literal(rule.days)))
    otherwise: ColumnElement[int | None] = literal(fallback, Integer)
    return case(*ranked, else_=otherwise) if ranked else otherwise


def longest_days(rules: Sequence[RetentionRule], default: int | None) -> int | None:
    """The longest any log is kept, None when some log is kept forever: what a partition
    must have outlived to be dropped whole."""
    days = [rule.days for rule in rules]
    if not any(rule.matches_all for rule in rules):
        if default is None:
            return None
        days.append(default)
    return max(days)


def _matches(rule: RetentionRule) -> ColumnElement[bool]:
    conditions = []
    if rule.services is not None:
        conditions.append(one_of(logs.c.service, rule.services))
    if rule.levels is not None:
        conditions.append(one_of(logs.c.level, frozenset(level.value for level in rule.levels)))
    return conditions[0] if len(conditions) == 1 else conditions[0] & conditions[1]


def _json(values: list[str]) -> str:
    return orjson.dumps(values).decode()


def _rule(row: Row[tuple[object, ...]]) -> RetentionRule:
    services = None if row.services is None else frozenset(orjson.loads(row.services))
    levels = None if row.levels is None else frozenset(map(Level, orjson.loads(row.levels)))
    return RetentionRule(
        name=row.name, services=services, levels=levels, days=row.days, priority=row.priority
    )
