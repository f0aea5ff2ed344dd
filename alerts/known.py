"""What this process last saw of the grouped rules' instances, so that a write skips the rules
it cannot move: new logs only add to an ABOVE rule's counts, so a group whose instance is
FIRING stays FIRING, and its end is found by the periodic sweep (as it is when no log comes).

Knowledge comes from the instances each grouped evaluation reads and the changes this process
makes (newer versions win); another process's change makes it forget that instance, so that
the next write evaluates it. Wrong knowledge can only delay a firing until the next sweep
reads the instances again: it needs a change made elsewhere to reach here before a read that
began earlier. Nothing is recorded from it, so exactly-once never depends on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import orjson

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

    def saw(self, rule: Rule, instances: Mapping[str, Instance]) -> None:
        """A read of the rule's instances, by fingerprint."""
        for fingerprint, instance in instances.items():
            self.moved(rule, fingerprint, instance)

    def moved(self, rule: Rule, fingerprint: str, instance: Instance) -> None:
        """An instance as read or as this process just changed it."""
        known = self._instances.setdefault(rule.name, {})
        before = known.get(instance.group_key)
        if before is None or before.version < instance.version:
            known[instance.group_key] = instance
            self._groups[(rule.name, fingerprint)] = instance.group_key

    def changed_elsewhere(self, rule: str, fingerprint: str) -> None:
        """Another process changed this instance: its state here is no longer known."""
        key = self._groups.pop((rule, fingerprint), None)
        if key is not None:
            self._instances.get(rule, {}).pop(key, None)

    def keep(self, rules: Iterable[str]) -> None:
        """Forget the rules that are gone or changed (the others' names)."""
        kept = set(rules)
        self._instances = {name: one for name, one in self._instances.items() if name in kept}
        self._groups = {pair: key for pair, key in self._groups.items() if pair[0] in kept}

    def firing(self, rule: str, key: GroupKey) -> bool:
        instance = self._instances.get(rule, {}).get(key)
        return instance is not None and instance.state is AlertState.FIRING


def movable(rules: Sequence[Rule], logs: Sequence[LogRecord], known: KnownStates) -> list[Rule]:
    """Of the rules new logs tripped, those the logs may move: not a grouped ABOVE rule whose
    every group they count in is FIRING already."""
    written = WrittenGroups(logs)
    return [
        rule
        for rule in rules
        if not (together(rule) and written.all_firing(rule, rule_matching(rule), known))
    ]


class WrittenGroups:
    """The groups of a batch of new logs that each filter selects, worked out once per filter
    and grouping, and only when a rule asks."""

    def __init__(self, logs: Sequence[LogRecord]) -> None:
        self._logs = logs
        self._keys: dict[tuple[str, ...], list[GroupKey]] = {}
        self._touched: dict[tuple[int, tuple[str, ...]], tuple[LogCriteria, set[GroupKey]]] = {}

    def all_firing(self, rule: Rule, criteria: LogCriteria, known: KnownStates) -> bool:
        """Whether every group of this ABOVE rule the logs count in is FIRING already (the
        logs' times are not looked at: more groups, never fewer)."""
        if rule.condition is not Condition.ABOVE:
            return False
        touched = self._touched_by(criteria, rule.group_by)
        return all(known.firing(rule.name, key) for key in touched)

    def _touched_by(self, criteria: LogCriteria, group_by: tuple[str, ...]) -> set[GroupKey]:
        asked = (id(criteria), group_by)  # the criteria is kept alive beside its answer
        if asked not in self._touched:
            keys = self._keys_of(group_by)
            found: set[GroupKey] = set()
            for key, log in zip(keys, self._logs, strict=True):
                if key not in found and matches(criteria, log):
                    found.add(key)
            self._touched[asked] = (criteria, found)
        return self._touched[asked][1]

    def _keys_of(self, group_by: tuple[str, ...]) -> list[GroupKey]:
        """Each log's group as the grouped counts give it (service and level only)."""
        if group_by not in self._keys:
            self._keys[group_by] = [
                tuple(orjson.dumps(_column(log, entry)).decode() for entry in group_by)
                for log in self._logs
            ]
        return self._keys[group_by]


def _column(log: LogRecord, entry: str) -> str:
    return log.service if entry == "service" else log.level.value
