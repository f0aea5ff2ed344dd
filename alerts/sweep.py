"""The periodic sweep's grouped rules, evaluated together: one read of their instances and one
GROUP BY per grouping (db/alert_groups.py: each distinct filter counted once, every window in
the same scan), rather than two reads per rule.

Only lifecycle ABOVE and BELOW rules grouped by `service` or by `level` go this way (their
groups are few, so one scan can count them all for every rule); the rest are evaluated one by
one as before. The instances then move exactly as one rule's evaluation moves them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from alerts.evaluation import watched_one_window
from alerts.groups import counted_holding, largest
from alerts.lifecycle import Transition, apply
from core.rule_criteria import counted_matching
from db import alert_instances
from db.alert_groups import GroupKey, count_groups_together
from db.alert_instances import Instance
from db.alert_rules import Condition, Rule
from db.engine import Database

if TYPE_CHECKING:  # alerts.known asks `together` which rules it may skip
    from alerts.known import KnownStates

COLUMN_GROUPS = (("service",), ("level",))
GroupBy = tuple[str, ...]


def together(rule: Rule) -> bool:
    """Whether the sweep evaluates this rule with the others of its set."""
    counted = rule.condition in (Condition.ABOVE, Condition.BELOW)
    return rule.lifecycle and counted and rule.group_by in COLUMN_GROUPS


async def sweep_together(
    db: Database, rules: Sequence[Rule], *, now: datetime, warned: set[str], known: KnownStates
) -> list[tuple[Rule, Transition]]:
    """Evaluate the rules (each `together`) at `now`; the changes this process recorded.
    `known` learns every instance read and changed."""
    sets: dict[GroupBy, list[Rule]] = defaultdict(list)
    for rule in rules:
        sets[rule.group_by].append(rule)
    names = [rule.name for rule in rules]
    instances = await db.read_primary(
        lambda connection: alert_instances.of_rules(connection, rules=names)
    )
    counted = await db.read_primary(lambda connection: _count_sets(connection, sets, now=now))
    transitions = []
    for rule in rules:
        known.saw(rule, instances.get(rule.name, {}))
        by_group = {one.group_key: one for one in instances.get(rule.name, {}).values()}
        holding = _holding(rule, counted[rule.name], by_group, now=now, warned=warned)
        counts = counted[rule.name]
        for one in await apply(db, rule, holding, by_group, now=now, counts=counts):
            known.moved(rule, one.record.fingerprint, one.instance)
            transitions.append((rule, one))
    return transitions


def _holding(
    rule: Rule,
    counts: dict[GroupKey, int],
    by_group: dict[GroupKey, Instance],
    *,
    now: datetime,
    warned: set[str],
) -> dict[GroupKey, bool]:
    """As `holds_by_group` decides for one rule."""
    if rule.condition is Condition.BELOW and not watched_one_window(rule, now=now):
        return dict.fromkeys(by_group, False)
    return counted_holding(rule, largest(rule, counts, warned=warned), by_group)


def _count_sets(
    connection: Connection, sets: dict[GroupBy, list[Rule]], *, now: datetime
) -> dict[str, dict[GroupKey, int]]:
    """Each rule's count per group: one statement per grouping, whatever the windows."""
    counted: dict[str, dict[GroupKey, int]] = {}
    for group_by, members in sets.items():
        windows = [
            (counted_matching(rule), now - timedelta(seconds=rule.window_seconds))
            for rule in members
        ]
        found = count_groups_together(connection, windows, group_by, end=now)
        counted.update(zip((rule.name for rule in members), found, strict=True))
    return counted
