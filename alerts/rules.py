"""Which rules a batch of new logs may have tripped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.rule_criteria import rule_criteria
from db.alert_rules import Condition, Rule
from db.logs import LogRecord
from db.matching import matches


def could_fire(rule: Rule, logs: Sequence[LogRecord], *, now: datetime) -> bool:
    """Whether any of the new logs counts towards the rule now; new logs never make a BELOW
    rule hold (the periodic check evaluates those), and new-pattern rules fire from the miner."""
    if rule.condition is Condition.BELOW or rule.on_new_pattern:
        return False
    criteria = rule_criteria(rule, now=now)
    return any(matches(criteria, log) for log in logs)
