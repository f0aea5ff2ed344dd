"""Rules with groupBy: one instance per group (a service, a level, the value at a metadata
path), each with its labels and fingerprint; at most MAX_GROUPS groups per rule."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime

import orjson

from alerts.evaluation import condition_holds, watched_one_window
from core.rule_criteria import base_criteria, both, counted_criteria
from db.alert_groups import GroupKey, count_groups
from db.alert_rules import Condition, Rule
from db.engine import Database
from db.levels import Level
from db.logs import LogCriteria
from db.metadata import MetadataTest, Operator

logger = logging.getLogger("lograph.alerts")

MAX_GROUPS = 100
_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def labels_of(rule: Rule, key: GroupKey) -> dict[str, str]:
    """`alertname` and one label per groupBy entry, named as Alertmanager allows
    (`user.id` becomes `user_id`); an absent or null value is the empty label."""
    labels = {"alertname": rule.name}
    for entry, value in zip(rule.group_by, key, strict=True):
        labels[_LABEL_UNSAFE.sub("_", entry)] = _label_value(value)
    return labels


def group_criteria(rule: Rule, key: GroupKey) -> LogCriteria | None:
    """The logs of one group (None: the rule is not grouped)."""
    parts = [_one(entry, value) for entry, value in zip(rule.group_by, key, strict=True)]
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined = both(combined, part)
    return combined


async def holds_by_group(
    db: Database, rule: Rule, *, now: datetime, known: Iterable[GroupKey], warned: set[str]
) -> dict[GroupKey, bool]:
    """Whether the condition holds for each group in the window and each group that has an
    instance (so that it can resolve); an ungrouped rule is the one group (). `warned` holds
    the rules whose overflow was logged already (once per process)."""
    if not rule.group_by:
        return {(): await condition_holds(db, rule, now=now)}
    known = list(known)
    if rule.condition is Condition.BELOW and not watched_one_window(rule, now=now):
        return dict.fromkeys(known, False)
    counts = await _counts(db, rule, counted_criteria(rule, now=now), warned=warned)
    if rule.condition is not Condition.RATIO_ABOVE:
        return counted_holding(rule, counts, known)
    bases = await _counts(db, rule, base_criteria(rule, now=now), warned=warned)
    assert rule.ratio is not None  # make_rule requires it for RATIO_ABOVE
    ratio = rule.ratio
    return {
        key: _ratio_holds(rule, counts.get(key, 0), bases.get(key, 0), ratio)
        for key in [*counts, *known]
    }


def counted_holding(
    rule: Rule, counts: dict[GroupKey, int], known: Iterable[GroupKey]
) -> dict[GroupKey, bool]:
    """ABOVE and BELOW by group, from the groups' counts (of the window's groups and the known)."""
    keys = [*counts, *known]
    if rule.condition is Condition.ABOVE:
        return {key: counts.get(key, 0) >= rule.threshold for key in keys}
    return {key: counts.get(key, 0) < rule.threshold for key in keys}


def largest(rule: Rule, counts: dict[GroupKey, int], *, warned: set[str]) -> dict[GroupKey, int]:
    """The MAX_GROUPS largest of every group's count (as `count_groups` keeps them)."""
    if len(counts) <= MAX_GROUPS:
        return counts
    _overflowed(rule, len(counts), warned=warned)
    kept = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:MAX_GROUPS]
    return dict(kept)


def _ratio_holds(rule: Rule, matched: int, total: int, ratio: float) -> bool:
    reached = total >= rule.min_base_count and matched >= rule.threshold
    return reached and matched / total >= ratio


async def _counts(
    db: Database, rule: Rule, criteria: LogCriteria, *, warned: set[str]
) -> dict[GroupKey, int]:
    """The MAX_GROUPS largest groups; the rest are counted and warned about once."""
    counts, total = await db.read_primary(
        lambda connection: count_groups(connection, criteria, rule.group_by, limit=MAX_GROUPS)
    )
    if total > MAX_GROUPS:
        _overflowed(rule, total, warned=warned)
    return counts


def _overflowed(rule: Rule, total: int, *, warned: set[str]) -> None:
    """Say once per process that a rule has more groups than are evaluated."""
    if rule.name not in warned:
        warned.add(rule.name)
        logger.warning(
            "alert rule %r has %d groups; only the %d largest are evaluated",
            rule.name,
            total,
            MAX_GROUPS,
        )


def _one(entry: str, value: str | None) -> LogCriteria:
    if entry == "service":
        return LogCriteria(services=frozenset({orjson.loads(value or '""')}))
    if entry == "level":
        return LogCriteria(levels=frozenset({Level(orjson.loads(value or '""'))}))
    path = tuple(entry.split("."))
    if value is None:  # absent or JSON null, as the grouping reads them
        absent = LogCriteria(metadata=(MetadataTest(path, Operator.EXISTS, False),))
        null = LogCriteria(metadata=(MetadataTest(path, Operator.EQUALS, None),))
        return LogCriteria(any_of=(absent, null))
    return LogCriteria(metadata=(MetadataTest(path, Operator.EQUALS, orjson.loads(value)),))


def _label_value(value: str | None) -> str:
    if value is None:
        return ""
    decoded = orjson.loads(value)
    return decoded if isinstance(decoded, str) else value
