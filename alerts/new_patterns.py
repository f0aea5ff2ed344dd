"""New-pattern rules: one alert for each pattern first mined while the rule exists, when its
logs of that moment include one the rule's filter selects."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from alerts.evaluation import SAMPLE_SIZE
from alerts.payload import sample_json
from core.new_patterns import NewPattern
from core.rule_criteria import rule_matching
from db.alert_history import AlertState, NewAlert, fingerprint_of
from db.alert_rules import Rule
from db.logs import LogRecord
from db.matching import matches

logger = logging.getLogger("lograph.alerts")

# A flood of unique lines creates many patterns per batch: past this many per rule, the rest
# are counted in one warning rather than each sent to every receiver.
MAX_ALERTS_PER_BATCH = 20


def pattern_alerts(rule: Rule, patterns: Sequence[NewPattern], *, now: datetime) -> list[NewAlert]:
    """The rule's alerts for these new patterns, at most MAX_ALERTS_PER_BATCH of them."""
    criteria = rule_matching(rule)
    alerts = []
    for pattern in patterns:
        matched = [log for log in pattern.logs if matches(criteria, log)]
        if matched:
            alerts.append(_alert(rule, pattern, matched, now=now))
    if len(alerts) > MAX_ALERTS_PER_BATCH:
        logger.warning(
            "alert rule %r: %d new patterns at once; alerted on the first %d",
            rule.name,
            len(alerts),
            MAX_ALERTS_PER_BATCH,
        )
    return alerts[:MAX_ALERTS_PER_BATCH]


def pattern_labels(rule: Rule, pattern: NewPattern) -> dict[str, str]:
    """One Alertmanager alert per pattern: two new patterns are two alerts, not one."""
    return {"alertname": rule.name, "service": pattern.service, "pattern_id": str(pattern.id)}


def _alert(rule: Rule, pattern: NewPattern, matched: list[LogRecord], *, now: datetime) -> NewAlert:
    labels = pattern_labels(rule, pattern)
    newest = sorted(matched, key=lambda log: (log.timestamp, log.id), reverse=True)
    return NewAlert(
        rule=rule.name,
        count=len(matched),
        threshold=1,
        window_seconds=rule.window_seconds,
        fired_at=now,
        level=rule.level or rule.min_level,
        service=rule.service,
        samples=[sample_json(log) for log in newest[:SAMPLE_SIZE]],
        state=AlertState.FIRING,
        starts_at=now,
        ends_at=None,
        fingerprint=fingerprint_of(labels),
        labels=labels,
        pattern={"id": str(pattern.id), "service": pattern.service, "template": pattern.template},
    )
