"""What makes an alert rule valid, for GraphQL and the legacy configuration alike."""

from __future__ import annotations

from collections.abc import Sequence

from core.conditions import metadata_path
from core.errors import UserInputError
from core.filters import LogFilter
from core.rule_criteria import stored_filter
from core.validation import check_service, check_text
from db.alert_rules import Condition, Rule
from db.levels import Level
from db.models import MAX_RULE_NAME_LENGTH

MAX_WINDOW_SECONDS = 30 * 24 * 3600
MAX_MESSAGE_CONTAINS_LENGTH = 1000
MAX_GROUP_BY = 3


def make_rule(
    *,
    name: str,
    window_seconds: int,
    threshold: int | None = None,
    cooldown_seconds: int | None = None,
    level: Level | None = None,
    min_level: Level | None = None,
    service: str | None = None,
    message_contains: str | None = None,
    filter: LogFilter | None = None,
    condition: Condition = Condition.ABOVE,
    ratio: float | None = None,
    base_filter: LogFilter | None = None,
    min_base_count: int = 1,
    lifecycle: bool = False,
    for_seconds: int = 0,
    group_by: Sequence[str] | None = None,
    on_new_pattern: bool = False,
) -> Rule:
    """Validate a rule; the cooldown defaults to the window."""
    check_rule_name(name)
    beside = {
        "level": level,
        "minLevel": min_level,
        "service": service,
        "messageContains": message_contains,
    }
    _check_match(level=level, min_level=min_level, service=service, contains=message_contains)
    if on_new_pattern:
        _check_new_pattern(
            condition=condition, threshold=threshold, cooldown=cooldown_seconds, lifecycle=lifecycle
        )
    elif filter is None and all(value is None for value in beside.values()):
        raise UserInputError(
            "input", "needs at least one of level, minLevel, service, messageContains, filter"
        )
    counted = 1 if on_new_pattern else threshold  # what a new pattern counts: itself
    _check_condition(condition, threshold=counted, ratio=ratio, base_filter=base_filter)
    if min_base_count < 1:
        raise UserInputError("minBaseCount", "must be 1 or more")
    _check_seconds("windowSeconds", window_seconds, minimum=1)
    _check_lifecycle(lifecycle, for_seconds=for_seconds, cooldown_seconds=cooldown_seconds)
    groups = _group_by(group_by or (), lifecycle=lifecycle)
    return Rule(
        name=name,
        level=level,
        min_level=min_level,
        service=service,
        message_contains=message_contains,
        filter=None if filter is None else stored_filter(filter, field="filter", beside=beside),
        condition=condition,
        threshold=1 if threshold is None else threshold,
        ratio=ratio,
        base_filter=None
        if base_filter is None
        else stored_filter(base_filter, field="baseFilter", beside={}),
        min_base_count=min_base_count,
        window_seconds=window_seconds,
        cooldown_seconds=window_seconds if cooldown_seconds is None else cooldown_seconds,
        lifecycle=lifecycle,
        for_seconds=for_seconds,
        group_by=groups,
        on_new_pattern=on_new_pattern,
    )


def _check_new_pattern(
    *, condition: Condition, threshold: int | None, cooldown: int | None, lifecycle: bool
) -> None:
    """A new-pattern rule is a one-shot event per pattern: nothing to count, hold or cool."""
    given = {
        "condition": condition is not Condition.ABOVE,
        "threshold": threshold is not None,
        "cooldownSeconds": cooldown is not None,
        "lifecycle": lifecycle,
    }
    for field, conflicts in given.items():
        if conflicts:
            raise UserInputError(field, "not for onNewPattern rules: each new pattern fires once")


def _group_by(entries: Sequence[str], *, lifecycle: bool) -> tuple[str, ...]:
    """At most MAX_GROUP_BY distinct entries: `service`, `level` or a metadata path."""
    if entries and not lifecycle:
        raise UserInputError("groupBy", "is only for lifecycle rules")
    if len(entries) > MAX_GROUP_BY:
        raise UserInputError("groupBy", f"at most {MAX_GROUP_BY} entries")
    if len(set(entries)) < len(entries):
        raise UserInputError("groupBy", "must not repeat an entry")
    for index, entry in enumerate(entries):
        if entry not in ("service", "level"):
            metadata_path(entry, f"groupBy[{index}]")
    return tuple(entries)


def _check_lifecycle(lifecycle: bool, *, for_seconds: int, cooldown_seconds: int | None) -> None:
    """A lifecycle rule waits `forSeconds` and stays FIRING; a one-shot rule cools down."""
    _check_seconds("forSeconds", for_seconds, minimum=0)
    if lifecycle and cooldown_seconds is not None:
        raise UserInputError("cooldownSeconds", "lifecycle rules stay FIRING instead of cooling")
    if cooldown_seconds is not None:
        _check_seconds("cooldownSeconds", cooldown_seconds, minimum=0)
    if for_seconds and not lifecycle:
        raise UserInputError("forSeconds", "is only for lifecycle rules")


def _check_condition(
    condition: Condition, *, threshold: int | None, ratio: float | None, base_filter: object
) -> None:
    """ABOVE and BELOW count against a threshold; RATIO_ABOVE compares a share with `ratio`."""
    if threshold is None and condition is not Condition.RATIO_ABOVE:
        raise UserInputError("threshold", f"is required for {condition.value}")
    if threshold is not None and threshold < 1:
        raise UserInputError("threshold", "must be 1 or more")
    if condition is not Condition.RATIO_ABOVE:
        for field, value in (("ratio", ratio), ("baseFilter", base_filter)):
            if value is not None:
                raise UserInputError(field, "is only for RATIO_ABOVE")
        return
    if ratio is None:
        raise UserInputError("ratio", "is required for RATIO_ABOVE")
    if not 0 < ratio <= 1:
        raise UserInputError("ratio", "must be greater than 0 and at most 1")


def check_rule_name(name: str, *, field: str = "name") -> None:
    """Rule names are non-blank text of at most MAX_RULE_NAME_LENGTH characters."""
    check_text(field, name, max_bytes=None)
    if len(name) > MAX_RULE_NAME_LENGTH:
        raise UserInputError(field, f"must be at most {MAX_RULE_NAME_LENGTH} characters")


def _check_match(
    *, level: Level | None, min_level: Level | None, service: str | None, contains: str | None
) -> None:
    if level is not None and min_level is not None:
        raise UserInputError("minLevel", "give level or minLevel, not both")
    for field, value in (("service", service), ("messageContains", contains)):
        if value is not None and (not value or value.isspace()):
            raise UserInputError(field, "must not be empty when given")
    if service is not None:
        check_service("service", service)
    if contains is not None:
        check_text("messageContains", contains, max_bytes=None)
        if len(contains) > MAX_MESSAGE_CONTAINS_LENGTH:
            raise UserInputError(
                "messageContains", f"must be at most {MAX_MESSAGE_CONTAINS_LENGTH} characters"
            )


def _check_seconds(field: str, value: int, *, minimum: int) -> None:
    if not minimum <= value <= MAX_WINDOW_SECONDS:
        raise UserInputError(field, f"must be between {minimum} and {MAX_WINDOW_SECONDS}")
