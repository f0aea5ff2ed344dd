"""The periodic sweep's grouped rules, evaluated together: one read of their instances and one
GROUP BY per grouping (db/alert_groups.py: each distinct filter counted once, every window in
the same scan), rather than two reads per rule; the changes they make are recorded together
(alerts/lifecycle.py: `record`).

Only lifecycle ABOVE and BELOW rules grouped by `service` or by `level` go this way (their
groups are few, so one scan can count them all for every rule); the rest are evaluated one by
one as before. The instances then move exactly as one rule's evaluation moves them.

A run a write asked for counts, of each rule, only the groups the write may move it in
(alerts/known.py: `touched`), through the grouping column's index, rather than every log of
the window; the other groups are left as they are until the sweep. It counts all of them when
the rule has never been counted whole here, or when its groups might then exceed MAX_GROUPS
(which groups are evaluated would depend on the others' counts).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from alerts.evaluation import watched_one_window
from alerts.groups import counted_holding, largest
from alerts.lifecycle import Move, Transition, moves, record
from core.rule_criteria import counted_matching
from db import alert_instances
from db.alert_groups import GroupKey, count_groups_together
from db.alert_instances import Instance
from db.alert_rules import Condition, Rule
from db.engine import Database

if TYPE_CHECKING:  # alerts.known asks `together` which rules it may skip
    from alerts.known import KnownStates, Touched

COLUMN_GROUPS = (("service",), ("level",))
GroupBy = tuple[str, ...]


def together(rule: Rule) -> bool:
    """Whether the sweep evaluates this rule with the others of its set."""
    counted = rule.condition in (Condition.ABOVE, Condition.BELOW)
    return rule.lifecycle and counted and rule.group_by in COLUMN_GROUPS


async def sweep_together(
    db: Database,
    rules: Sequence[Rule],
    *,
    now: datetime,
    warned: set[str],
    known: KnownStates,
    touched: Mapping[str, Touched] | None = None,
) -> list[tuple[Rule, Transition]]:
    """Evaluate the rules (each `together`) at `now`; the changes this process recorded.
    `known` learns every instance read and changed. `touched`: each rule's only groups to
    evaluate (None or absent: all)."""
    sets: dict[GroupBy, list[Rule]] = defaultdict(list)
    only: dict[str, frozenset[GroupKey]] = {}
    for rule in rules:
        sets[rule.group_by].append(rule)
        groups = (touched or {}).get(rule.name)
        if groups is not None and known.few_groups(rule.name, groups):
            only[rule.name] = groups
    names = [rule.name for rule in rules]
    instances = await db.read_primary(
        lambda connection: alert_instances.of_rules(connection, rules=names)
    )
    counted = await db.read_primary(lambda connection: _count_sets(connection, sets, only, now=now))
    decided: list[Move] = []
    for rule in rules:
        known.saw(rule, instances.get(rule.name, {}))
        by_group = {one.group_key: one for one in instances.get(rule.name, {}).values()}
        if rule.name in only:
            by_group = {key: one for key, one in by_group.items() if key in only[rule.name]}
        known.counted(rule.name, counted[rule.name], whole=rule.name not in only)
        holding = _holding(rule, counted[rule.name], by_group, now=now, warned=warned)
        decided += moves(rule, holding, by_group, now=now, counts=counted[rule.name])
    recorded = await record(db, decided, now=now)
    for rule, one in recorded:
        known.moved(rule, one.record.fingerprint, one.instance)
    return recorded


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
    connection: Connection,
    sets: dict[GroupBy, list[Rule]],
    only: Mapping[str, frozenset[GroupKey]],
    *,
    now: datetime,
) -> dict[str, dict[GroupKey, int]]:
    """Each rule's count per group: one statement per grouping, whatever the windows, and one
    more over just the touched groups for the rules in `only`."""
    counted: dict[str, dict[GroupKey, int]] = {}
    for group_by, members in sets.items():
        whole = [rule for rule in members if rule.name not in only]
        counted.update(_count(connection, whole, group_by, now=now))
        narrowed = [rule for rule in members if rule.name in only]
        within = frozenset().union(*(only[rule.name] for rule in narrowed))
        for name, found in _count(connection, narrowed, group_by, now=now, within=within):
            counted[name] = {key: n for key, n in found.items() if key in only[name]}
    return counted


def _count(
    connection: Connection,
    rules: Sequence[Rule],
    group_by: GroupBy,
    *,
    now: datetime,
    within: frozenset[GroupKey] | None = None,
) -> list[tuple[str, dict[GroupKey, int]]]:
    """The rules' counts per group (of the groups `within`, if given) in one statement."""
    if not rules:
        return []
    windows = [
        (counted_matching(rule), now - timedelta(seconds=rule.window_seconds)) for rule in rules
    ]
    found = count_groups_together(connection, windows, group_by, end=now, within=within)
    return list(zip((rule.name for rule in rules), found, strict=True))
