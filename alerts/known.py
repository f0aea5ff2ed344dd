"""What this process last saw of the grouped rules' instances, so that a write skips the rules
it cannot move: new logs only add to an ABOVE rule's counts, so a group whose instance is
FIRING stays FIRING, and its end is found by the periodic sweep (as it is when no log comes).
Likewise a write can move only the groups it counts in: the run it asks for counts those alone
(alerts/sweep.py), and the others' ends, again, are the sweep's to find.

Knowledge comes from the instances each grouped evaluation reads and the changes this process
makes (newer versions win); another process's change makes it forget that instance, so that
the next write evaluates it. Wrong knowledge can only delay a firing until the next sweep
reads the instances again: it needs a change made elsewhere to reach here before a read that
began earlier. Nothing is recorded from it, so exactly-once never depends on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from operator import attrgetter
from typing import Any

import orjson

from alerts.groups import MAX_GROUPS
from alerts.sweep import together
from core.rule_criteria import rule_matching
from db.alert_groups import GroupKey
from db.alert_history import AlertState
from db.alert_instances import Instance
from db.alert_rules import Condition, Rule
from db.logs import LogCriteria, LogRecord
from db.matching import matches


class KnownStates:
    """Each grouped rule's instances by group, as last seen here."""

    def __init__(self) -> None:
        self._instances: dict[str, dict[GroupKey, Instance]] = {}
        self._groups: dict[tuple[str, str], GroupKey] = {}  # (rule, fingerprint): its group
        self._firing: dict[str, set[GroupKey]] = {}  # derived: each rule's FIRING groups
        # Each rule's groups with logs in its last whole count, and those counted since: at
        # least its groups in the window (more once some leave it).
        self._counted: dict[str, set[GroupKey]] = {}

    def saw(self, rule: Rule, instances: Mapping[str, Instance]) -> None:
        """A read of the rule's instances, by fingerprint."""
        for fingerprint, instance in instances.items():
            self.moved(rule, fingerprint, instance)

    def moved(self, rule: Rule, fingerprint: str, instance: Instance) -> None:
        """An instance as read or as this process just changed it."""
        known = self._instances.setdefault(rule.name, {})
        key = instance.group_key
        before = known.get(key)
        if before is None or before.version < instance.version:
            known[key] = instance
            self._groups[(rule.name, fingerprint)] = key
            firing = self._firing.setdefault(rule.name, set())
            if instance.state is AlertState.FIRING:
                firing.add(key)
            else:
                firing.discard(key)

    def changed_elsewhere(self, rule: str, fingerprint: str) -> None:
        """Another process changed this instance: its state here is no longer known."""
        key = self._groups.pop((rule, fingerprint), None)
        if key is not None:
            self._instances.get(rule, {}).pop(key, None)
            self._firing.get(rule, set()).discard(key)

    def keep(self, rules: Iterable[str]) -> None:
        """Forget the rules that are gone or changed (the others' names)."""
        kept = set(rules)
        self._instances = {name: one for name, one in self._instances.items() if name in kept}
        self._groups = {pair: key for pair, key in self._groups.items() if pair[0] in kept}
        self._firing = {name: keys for name, keys in self._firing.items() if name in kept}
        self._counted = {name: keys for name, keys in self._counted.items() if name in kept}

    def counted(self, rule: str, groups: Iterable[GroupKey], *, whole: bool) -> None:
        """The groups a count found with logs: of all the rule's groups (`whole`), or of some."""
        if whole:
            self._counted[rule] = set(groups)
        elif rule in self._counted:
            self._counted[rule].update(groups)

    def whole_counts_aged(self) -> None:
        """Another process swept this interval: this process's whole counts are now older than
        a sweep's, so the next grouped run of each rule counts it whole again."""
        self._counted.clear()

    def few_groups(self, rule: str, touched: Iterable[GroupKey]) -> bool:
        """Whether the rule's groups as counted here, with the touched ones, stay within
        MAX_GROUPS: then counting only the touched groups cannot change which groups are
        evaluated (never counted whole yet: not known). Groups only other processes wrote
        are not seen until the next whole count (the periodic sweep's, or, in an interval
        another process swept, the next run's)."""
        counted = self._counted.get(rule)
        return counted is not None and len(counted.union(touched)) <= MAX_GROUPS

    def firing(self, rule: str) -> set[GroupKey]:
        """The rule's groups known FIRING."""
        return self._firing.get(rule, set())


Touched = frozenset[GroupKey] | None  # the groups a write may move in; None: every group


def touched(
    rules: Sequence[Rule], logs: Sequence[LogRecord], known: KnownStates
) -> list[tuple[Rule, Touched]]:
    """Of the rules new logs tripped, those the logs may move, each grouped one (`together`)
    with the only groups they may move it in: those the logs count in, less, for ABOVE, the
    ones FIRING already. A grouped rule with none is left out."""
    written = WrittenGroups(logs)
    moved: list[tuple[Rule, Touched]] = []
    for rule in rules:
        if not together(rule):
            moved.append((rule, None))
            continue
        groups = written.moving(rule, rule_matching(rule), known)
        if groups:
            moved.append((rule, groups))
    return moved


class WrittenGroups:
    """A batch of new logs by group, and whether a filter selects any of a group's logs,
    worked out once per filter and group, and only when a rule asks."""

    def __init__(self, logs: Sequence[LogRecord]) -> None:
        self._logs = logs
        self._groups: dict[tuple[str, ...], dict[GroupKey, list[LogRecord]]] = {}
        self._counted: dict[tuple[int, tuple[str, ...], GroupKey], bool] = {}
        self._asked: list[LogCriteria] = []  # alive while their id() keys `_counted`

    def moving(self, rule: Rule, criteria: LogCriteria, known: KnownStates) -> frozenset[GroupKey]:
        """The groups the logs count in, less an ABOVE rule's FIRING ones (the logs' times
        are not looked at: more groups, never fewer)."""
        groups: AbstractSet[GroupKey] = self._groups_of(rule.group_by).keys()
        if rule.condition is Condition.ABOVE:
            groups = groups - known.firing(rule.name)
        return frozenset(key for key in groups if self._counts_in(criteria, rule.group_by, key))

    def _counts_in(self, criteria: LogCriteria, group_by: tuple[str, ...], key: GroupKey) -> bool:
        asked = (id(criteria), group_by, key)
        if asked not in self._counted:
            self._asked.append(criteria)
            logs = self._groups_of(group_by)[key]
            self._counted[asked] = any(matches(criteria, log) for log in logs)
        return self._counted[asked]

    def _groups_of(self, group_by: tuple[str, ...]) -> dict[GroupKey, list[LogRecord]]:
        """The logs by group, as the grouped counts give groups (by `service` or `level`:
        attributes of a log, whose JSON text is the group's key)."""
        if group_by not in self._groups:
            value_of = attrgetter(*group_by)
            by_value: dict[Any, list[LogRecord]] = {}
            for log in self._logs:
                by_value.setdefault(value_of(log), []).append(log)
            self._groups[group_by] = {
                _key(value if len(group_by) > 1 else (value,)): logs
                for value, logs in by_value.items()
            }
        return self._groups[group_by]


def _key(values: tuple[Any, ...]) -> GroupKey:
    return tuple(orjson.dumps(value).decode() for value in values)  # a Level as its name
