"""GraphQL types of alerting: rules, their input, and fired alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeAlias

import strawberry
from strawberry.scalars import JSON

from core.filter_json import filter_json
from core.filters import LogFilter
from core.rule_criteria import base_filter, effective_filter
from db.alert_history import AlertRecord, AlertState
from db.alert_rules import Condition, Rule
from graph.inputs import LogFilterInput
from graph.scalars import parse_datetime
from graph.types import Log, LogLevel

strawberry.enum(
    Condition,
    name="AlertCondition",
    description="ABOVE: at least `threshold` matches in the window. BELOW: fewer than "
    "`threshold` (checked by the periodic check, once the rule is a window old). RATIO_ABOVE: "
    "matches among `baseFilter`'s logs / `baseFilter`'s logs ≥ `ratio`.",
)
AlertCondition: TypeAlias = Condition
strawberry.enum(
    AlertState,
    description="PENDING: the condition holds, not yet for `forSeconds`. FIRING: it holds (and "
    "every one-shot firing). RESOLVED: it stopped holding.",
)


@strawberry.input(
    description="Fires when its `condition` holds over the logs with timestamps in the last "
    "`windowSeconds`. Give at least one match condition; `level` and `minLevel` exclude "
    "each other; `filter` is ANDed with them (it may not repeat them, nor give times). "
    "`cooldownSeconds` defaults to the window (0 still dedupes for 1 s)."
)
class AlertRuleInput:
    name: str = strawberry.field(description="Unique; upserting an existing name replaces it.")
    level: LogLevel | None = None
    min_level: LogLevel | None = strawberry.field(
        default=None, description="This level and every more severe one."
    )
    service: str | None = None
    message_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the message."
    )
    filter: LogFilterInput | None = strawberry.field(
        default=None, description="Any query filter: metadata, messageMatches, anyOf, not."
    )
    condition: AlertCondition = Condition.ABOVE
    threshold: int | None = strawberry.field(
        default=None,
        description="Required for ABOVE and BELOW; for RATIO_ABOVE the fewest matches (1).",
    )
    ratio: float | None = strawberry.field(default=None, description="RATIO_ABOVE: in (0, 1].")
    base_filter: LogFilterInput | None = strawberry.field(
        default=None, description="RATIO_ABOVE: the logs a share is taken of (absent: all)."
    )
    min_base_count: int = strawberry.field(
        default=1, description="RATIO_ABOVE: fewer base logs in the window never fire."
    )
    window_seconds: int
    cooldown_seconds: int | None = strawberry.field(
        default=None, description="One-shot rules only: quiet this long after firing."
    )
    lifecycle: bool = strawberry.field(
        default=False,
        description="true: one instance goes PENDING, FIRING and RESOLVED; false: one-shot "
        "firings with a cooldown, as rules seeded from ALERT_RULES_FILE.",
    )
    for_seconds: int = strawberry.field(
        default=0, description="Lifecycle only: how long the condition holds before FIRING."
    )
    group_by: list[str] | None = strawberry.field(
        default=None,
        description="Lifecycle only: one instance per value of each (at most 3): `service`, "
        "`level`, or a metadata path; at most 100 groups per rule.",
    )
    on_new_pattern: bool = strawberry.field(
        default=False,
        description="true: fires once for each pattern first mined after the rule was stored "
        "whose new logs the rule's filter selects (no filter: every log); a one-shot event, "
        "with no condition, threshold, cooldown or lifecycle.",
    )


@strawberry.type(
    description="A stored rule; `cooldownSeconds` is resolved (the window if unset).",
)
class AlertRule:
    name: str
    level: LogLevel | None
    min_level: LogLevel | None
    service: str | None
    message_contains: str | None
    filter: JSON = strawberry.field(
        description="The logs it counts, in LogFilter's shape: `filter` with the fields above "
        "folded in."
    )
    condition: AlertCondition
    threshold: int
    ratio: float | None
    base_filter: JSON | None = strawberry.field(
        description="RATIO_ABOVE: the logs a share is taken of, in LogFilter's shape ({}: all)."
    )
    min_base_count: int
    window_seconds: int
    cooldown_seconds: int
    lifecycle: bool
    for_seconds: int
    group_by: list[str]
    on_new_pattern: bool

    @classmethod
    def from_rule(cls, rule: Rule) -> AlertRule:
        shown: Any = filter_json(effective_filter(rule))  # the JSON scalar takes it as is
        base: Any = None
        if rule.condition is Condition.RATIO_ABOVE:
            base = filter_json(base_filter(rule) or LogFilter())
        return cls(
            name=rule.name,
            level=rule.level,
            min_level=rule.min_level,
            service=rule.service,
            message_contains=rule.message_contains,
            filter=shown,
            condition=rule.condition,
            threshold=rule.threshold,
            ratio=rule.ratio,
            base_filter=base,
            min_base_count=rule.min_base_count,
            window_seconds=rule.window_seconds,
            cooldown_seconds=rule.cooldown_seconds,
            lifecycle=rule.lifecycle,
            for_seconds=rule.for_seconds,
            group_by=list(rule.group_by),
            on_new_pattern=rule.on_new_pattern,
        )


@strawberry.type(description="The new pattern a new-pattern alert is about, as it was then.")
class AlertPattern:
    id: strawberry.ID = strawberry.field(description="The pattern's id (as `Pattern.id`).")
    service: str
    template: str


@strawberry.type(
    description="A one-shot firing of a rule, or a state change of a lifecycle rule's instance, "
    "with up to 5 of the newest matching logs."
)
class Alert:
    id: strawberry.ID
    rule: str
    count: int
    threshold: int
    window_seconds: int
    fired_at: datetime
    level: LogLevel | None = strawberry.field(description="The rule's level, or its minLevel.")
    service: str | None
    samples: list[Log]
    state: AlertState
    starts_at: datetime = strawberry.field(
        description="When the instance entered its state; for RESOLVED, when it began."
    )
    ends_at: datetime | None = strawberry.field(description="RESOLVED: when it stopped holding.")
    fingerprint: str = strawberry.field(description="Stable per rule and group.")
    labels: JSON
    pattern: AlertPattern | None = strawberry.field(
        description="onNewPattern rules: the new pattern; its logs of that moment are `samples`."
    )

    @classmethod
    def from_record(cls, record: AlertRecord) -> Alert:
        labels: Any = record.labels  # the JSON scalar takes it as is
        return cls(
            id=strawberry.ID(str(record.id)),
            rule=record.rule,
            count=record.count,
            threshold=record.threshold,
            window_seconds=record.window_seconds,
            fired_at=record.fired_at,
            level=record.level,
            service=record.service,
            samples=[_sample(sample) for sample in record.samples],
            state=record.state,
            starts_at=record.starts_at,
            ends_at=record.ends_at,
            fingerprint=record.fingerprint,
            labels=labels,
            pattern=_pattern(record.pattern),
        )


def _pattern(pattern: dict[str, str] | None) -> AlertPattern | None:
    if pattern is None:
        return None
    return AlertPattern(
        id=strawberry.ID(pattern["id"]), service=pattern["service"], template=pattern["template"]
    )


def _sample(sample: dict[str, Any]) -> Log:
    return Log(
        id=strawberry.ID(str(sample["id"])),
        timestamp=parse_datetime(sample["timestamp"]),
        level=LogLevel(sample["level"]),
        service=sample["service"],
        message=sample["message"],
        metadata=sample["metadata"],
    )
