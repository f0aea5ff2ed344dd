"""What makes an alert rule valid, for GraphQL and the legacy configuration alike."""

from __future__ import annotations

from core.errors import UserInputError
from core.validation import check_service, check_text
from db.alert_rules import Rule
from db.levels import Level
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
) -> Rule:
    """Validate a rule; the cooldown defaults to the window."""
    check_rule_name(name)
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


def check_rule_name(name: str, *, field: str = "name") -> None:
    """Rule names are non-blank text of at most MAX_RULE_NAME_LENGTH characters."""
    check_text(field, name, max_bytes=None)
    if len(name) > MAX_RULE_NAME_LENGTH:
        raise UserInputError(field, f"must be at most {MAX_RULE_NAME_LENGTH} characters")


def _check_match(
    *, level: Level | None, min_level: Level | None, service: str | None, contains: str | None
) -> None:
    if level is None and min_level is None and service is None and contains is None:
        raise UserInputError(
            "input", "needs at least one of level, minLevel, service, messageContains"
        )
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
