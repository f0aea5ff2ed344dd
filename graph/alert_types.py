"""GraphQL types of alerting: rules, their input, and fired alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from core.filter_json import filter_json
from core.rules import effective_filter
from db.alert_history import AlertRecord
from db.alert_rules import Rule
from graph.inputs import LogFilterInput
from graph.scalars import parse_datetime
from graph.types import Log, LogLevel


@strawberry.input(
    description="Fires when at least `threshold` matching logs have timestamps in the last "
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
    threshold: int
    window_seconds: int
    cooldown_seconds: int | None = None


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
    threshold: int
    window_seconds: int
    cooldown_seconds: int

    @classmethod
    def from_rule(cls, rule: Rule) -> AlertRule:
        shown: Any = filter_json(effective_filter(rule))  # the JSON scalar takes it as is
        return cls(
            name=rule.name,
            level=rule.level,
            min_level=rule.min_level,
            service=rule.service,
            message_contains=rule.message_contains,
            filter=shown,
            threshold=rule.threshold,
            window_seconds=rule.window_seconds,
            cooldown_seconds=rule.cooldown_seconds,
        )


@strawberry.type(description="One firing of a rule, with up to 5 of the newest matching logs.")
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

    @classmethod
    def from_record(cls, record: AlertRecord) -> Alert:
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
