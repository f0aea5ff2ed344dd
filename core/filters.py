"""Filters as clients give them, folded into the one criteria form every read and every
in-memory match uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from core.errors import UserInputError
from core.validation import check_contains, check_services_filter, to_utc
from db.alert_rules import Rule
from db.levels import Level
from db.logs import LogCriteria

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Conditions that must all hold; the GraphQL `LogFilter` input and REST's query parameters
    both arrive as this. Time bounds are inclusive."""

    level: Level | None = None
    levels: Sequence[Level] | None = None
    min_level: Level | None = None
    service: str | None = None
    services: Sequence[str] | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    message_contains: str | None = None


def to_criteria(log_filter: LogFilter | None) -> LogCriteria:
    """Fold the filter's overlapping conditions (level, levels, minLevel...) into one criteria."""
    if log_filter is None:
        return LogCriteria()
    _check_texts(log_filter)
    start = to_utc("startTime", log_filter.start_time)
    end = to_utc("endTime", log_filter.end_time)
    if start is not None and end is not None and start > end:
        raise UserInputError("endTime", "must not be before startTime")
    return LogCriteria(
        levels=level_set(
            level=log_filter.level, levels=log_filter.levels, min_level=log_filter.min_level
        ),
        services=_intersect(
            [log_filter.service] if log_filter.service is not None else None,
            log_filter.services,
        ),
        start_time=start,
        end_time=end,
        message_contains=log_filter.message_contains or None,
    )


def _check_texts(log_filter: LogFilter) -> None:
    """Every text condition bounded and storable-text, as writes are: never a database error."""
    if log_filter.service is not None:
        check_services_filter("service", [log_filter.service])
    if log_filter.services is not None:
        check_services_filter("services", log_filter.services)
    if log_filter.message_contains is not None:
        check_contains("messageContains", log_filter.message_contains)


def rule_criteria(rule: Rule, *, now: datetime) -> LogCriteria:
    """The logs an alert rule counts at `now`: its conditions, within the window ending then."""
    return LogCriteria(
        levels=level_set(level=rule.level, levels=None, min_level=rule.min_level),
        services=None if rule.service is None else frozenset({rule.service}),
        start_time=now - timedelta(seconds=rule.window_seconds),
        end_time=now,
        message_contains=rule.message_contains,
    )


def level_set(
    *, level: Level | None, levels: Sequence[Level] | None, min_level: Level | None
) -> frozenset[Level] | None:
    """The one place `level`, `levels` and `minLevel` become a set of levels (None: any)."""
    return _intersect(
        [level] if level is not None else None,
        levels,
        min_level.and_above() if min_level is not None else None,
    )


def _intersect(*choices: Sequence[T] | None) -> frozenset[T] | None:
    given = [frozenset(choice) for choice in choices if choice is not None]
    if not given:
        return None
    return frozenset.intersection(*given)
