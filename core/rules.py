"""What makes an alert rule valid, for GraphQL and the legacy configuration alike, and which
logs a rule counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from functools import lru_cache

import orjson

from core.errors import UserInputError
from core.filter_json import filter_from_json, filter_json
from core.filters import LogFilter, to_criteria
from core.validation import check_service, check_text
from db.alert_rules import Rule
from db.levels import Level
from db.logs import LogCriteria
from db.models import MAX_RULE_NAME_LENGTH

MAX_WINDOW_SECONDS = 30 * 24 * 3600
MAX_MESSAGE_CONTAINS_LENGTH = 1000


def make_rule(
    *,
    name: str,
    threshold: int,
    window_seconds: int,
    cooldown_seconds: int | None = None,
    level: Level | None = None,
    min_level: Level | None = None,
    service: str | None = None,
    message_contains: str | None = None,
    filter: LogFilter | None = None,
) -> Rule:
    """Validate a rule; the cooldown defaults to the window."""
    check_rule_name(name)
    _check_match(level=level, min_level=min_level, service=service, contains=message_contains)
    beside = {
        "level": level,
        "minLevel": min_level,
        "service": service,
        "messageContains": message_contains,
    }
    if filter is None and all(value is None for value in beside.values()):
        raise UserInputError(
            "input", "needs at least one of level, minLevel, service, messageContains, filter"
        )
    _check_filter(filter, beside=beside)
    if threshold < 1:
        raise UserInputError("threshold", "must be 1 or more")
    _check_seconds("windowSeconds", window_seconds, minimum=1)
    if cooldown_seconds is not None:
        _check_seconds("cooldownSeconds", cooldown_seconds, minimum=0)
    return Rule(
        name=name,
        level=level,
        min_level=min_level,
        service=service,
        message_contains=message_contains,
        filter=None if filter is None else _stored(filter),
        threshold=threshold,
        window_seconds=window_seconds,
        cooldown_seconds=window_seconds if cooldown_seconds is None else cooldown_seconds,
    )


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


def _check_filter(log_filter: LogFilter | None, *, beside: Mapping[str, object]) -> None:
    """Within the query caps, no time bounds of its own (the window sets them), and no field
    that the rule also gives outside it, so folding the two never has to choose."""
    if log_filter is None:
        return
    to_criteria(log_filter, where="filter.")
    given = filter_json(log_filter)
    for key in ("startTime", "endTime"):
        if key in given:
            raise UserInputError(f"filter.{key}", "not allowed in a rule: its window sets the time")
    for key, value in beside.items():
        if value is not None and key in given:
            raise UserInputError(f"filter.{key}", f"also given as {key}; give it once")


def _stored(log_filter: LogFilter) -> str:
    return orjson.dumps(filter_json(log_filter), option=orjson.OPT_SORT_KEYS).decode()


def effective_filter(rule: Rule) -> LogFilter:
    """The rule's filter with its level, minLevel, service and messageContains folded in."""
    return _fold(rule.filter, rule.level, rule.min_level, rule.service, rule.message_contains)


def rule_criteria(rule: Rule, *, now: datetime) -> LogCriteria:
    """The logs an alert rule counts at `now`: its conditions, within the window ending then."""
    matching = _matching(
        rule.filter, rule.level, rule.min_level, rule.service, rule.message_contains
    )
    return replace(matching, start_time=now - timedelta(seconds=rule.window_seconds), end_time=now)


def _fold(
    stored: str | None,
    level: Level | None,
    min_level: Level | None,
    service: str | None,
    message_contains: str | None,
) -> LogFilter:
    given = LogFilter() if stored is None else filter_from_json(orjson.loads(stored))
    return replace(
        given,
        level=level or given.level,
        min_level=min_level or given.min_level,
        service=service or given.service,
        message_contains=message_contains or given.message_contains,
    )


@lru_cache(maxsize=1024)
def _matching(
    stored: str | None,
    level: Level | None,
    min_level: Level | None,
    service: str | None,
    message_contains: str | None,
) -> LogCriteria:
    """Parsed once per distinct rule: every write batch asks for every rule's criteria."""
    return to_criteria(_fold(stored, level, min_level, service, message_contains))
