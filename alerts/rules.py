"""What makes a rule valid, and which rules a batch of new logs may have tripped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from db.alert_rules import Rule
from db.levels import Level
from db.logs import LogCriteria
from db.models import MAX_RULE_NAME_LENGTH, MAX_SERVICE_LENGTH
from graph.errors import UserInputError
from graph.types import Log

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
) -> Rule:
    """Validate a rule from GraphQL or the legacy configuration; cooldown defaults to the window."""
    _check_name(name)
    _check_match(level=level, min_level=min_level, service=service, contains=message_contains)
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
        threshold=threshold,
        window_seconds=window_seconds,
        cooldown_seconds=window_seconds if cooldown_seconds is None else cooldown_seconds,
    )


def _check_name(name: str) -> None:
    if not name.strip():
        raise UserInputError("name", "must not be empty")
    if len(name) > MAX_RULE_NAME_LENGTH:
        raise UserInputError("name", f"must be at most {MAX_RULE_NAME_LENGTH} characters")


def _check_match(
    *, level: Level | None, min_level: Level | None, service: str | None, contains: str | None
) -> None:
    if level is None and min_level is None and service is None and contains is None:
        raise UserInputError(
            "input", "needs at least one of level, minLevel, service, messageContains"
        )
    if level is not None and min_level is not None:
        raise UserInputError("minLevel", "give level or minLevel, not both")
    if service is not None and not service.strip():
        raise UserInputError("service", "must not be empty when given")
    if service is not None and len(service) > MAX_SERVICE_LENGTH:
        raise UserInputError("service", f"must be at most {MAX_SERVICE_LENGTH} characters")
    if contains is not None and not contains:
        raise UserInputError("messageContains", "must not be empty when given")
    if contains is not None and len(contains) > MAX_MESSAGE_CONTAINS_LENGTH:
        raise UserInputError(
            "messageContains", f"must be at most {MAX_MESSAGE_CONTAINS_LENGTH} characters"
        )


def _check_seconds(field: str, value: int, *, minimum: int) -> None:
    if not minimum <= value <= MAX_WINDOW_SECONDS:
        raise UserInputError(field, f"must be between {minimum} and {MAX_WINDOW_SECONDS}")


def could_fire(rule: Rule, logs: Sequence[Log], *, now: datetime) -> bool:
    """Whether any of the new logs counts towards the rule now (the SQL filter, in memory)."""
    criteria = rule.criteria(now=now)
    return any(_admits(criteria, log) for log in logs)


def _admits(criteria: LogCriteria, log: Log) -> bool:
    """The in-memory mirror of db.logs' filter, used only to pick rules worth a query."""
    if criteria.levels is not None and log.level not in criteria.levels:
        return False
    if criteria.services is not None and log.service not in criteria.services:
        return False
    if criteria.start_time is not None and log.timestamp < criteria.start_time:
        return False
    if criteria.end_time is not None and log.timestamp > criteria.end_time:
        return False
    needle = criteria.message_contains
    return not needle or needle.lower() in log.message.lower()
