"""Which rules a batch of new logs may have tripped: each distinct filter is tried once per
batch, for every rule (and window) that gives it, rather than once per rule."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from core.rule_criteria import rule_matching
from db.alert_rules import Condition, Rule
from db.logs import LogCriteria, LogRecord
from db.matching import matches

Window = tuple[timedelta, Rule]


class Tripwires:
    """The rules new logs can trip, by their filter: built once per set of rules. New logs
    never make a BELOW rule hold (the periodic check evaluates those), and new-pattern rules
    fire from the miner."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        shared: dict[str, tuple[LogCriteria, list[Window]]] = {}
        for rule in rules:
            if rule.condition is Condition.BELOW or rule.on_new_pattern:
                continue
            criteria = rule_matching(rule)  # repr tells 1, 1.0 and true apart
            window = (timedelta(seconds=rule.window_seconds), rule)
            shared.setdefault(repr(criteria), (criteria, []))[1].append(window)
        self._shared = [
            (criteria, sorted(windows, key=lambda window: window[0], reverse=True))
            for criteria, windows in shared.values()
        ]

    def tripped(self, logs: Sequence[LogRecord], *, now: datetime) -> list[Rule]:
        """The rules some of the logs count towards now: within the rule's window ending now."""
        found: list[Rule] = []
        for criteria, windows in self._shared:
            found += _tripped_by(criteria, windows, logs, now=now)
        return found


def _tripped_by(
    criteria: LogCriteria, windows: list[Window], logs: Sequence[LogRecord], *, now: datetime
) -> list[Rule]:
    """The rules of one filter (longest window first) that a matching log falls in the window
    of; the logs are read until every rule is tripped, the filter tried once per log."""
    waiting = [(now - length, rule) for length, rule in windows]
    tripped: list[Rule] = []
    for log in logs:
        at = log.timestamp
        if at > now or at < waiting[0][0] or not matches(criteria, log):
            continue
        tripped += [rule for start, rule in waiting if at >= start]
        waiting = [(start, rule) for start, rule in waiting if at < start]
        if not waiting:
            break
    return tripped
