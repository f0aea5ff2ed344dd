"""Filters as clients give them, folded into the one criteria form every read and every
in-memory match uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from core.conditions import (
    ABSENT,
    Budget,
    check_filter_size,
    instant,
    metadata_tests,
    pattern,
    text,
)
from core.errors import UserInputError
from core.validation import parse_id
from db.levels import Level
from db.logs import LogCriteria
from db.models import MAX_SERVICE_LENGTH

T = TypeVar("T")
MAX_FILTER_SERVICES = 100  # names in one `services` list
MAX_FILTER_PATTERNS = 100  # ids in one `patterns` list


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
    metadata: Sequence[MetadataFilter] | None = None  # every entry holds
    message_matches: str | None = None  # case-insensitive regular expression
    any_of: Sequence[LogFilter] | None = None  # at least one holds
    not_: LogFilter | None = None  # does not hold
    patterns: Sequence[str] | None = None  # pattern ids (docs/patterns.md); one of them holds


@dataclass(frozen=True, slots=True)
class MetadataFilter:
    """Operators at one dot-separated path into metadata; all given ones must hold."""

    path: str
    equals: Any = ABSENT  # None is JSON null
    not_equals: Any = ABSENT
    in_: Sequence[Any] | None = None
    exists: bool | None = None
    contains: str | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None


def to_criteria(log_filter: LogFilter | None, *, where: str = "") -> LogCriteria:
    """Fold the filter's overlapping conditions (level, levels, minLevel...) into one criteria;
    `where` prefixes the field an error names ("filter." for an alert rule's)."""
    if log_filter is None:
        return LogCriteria()
    return _criteria(log_filter, where=where, depth=1, budget=Budget())


def _criteria(log_filter: LogFilter, *, where: str, depth: int, budget: Budget) -> LogCriteria:
    check_filter_size(depth=depth, width=len(log_filter.any_of or ()))
    budget.spend(1, where.rstrip(".") or "filter")
    start = instant(log_filter.start_time, f"{where}startTime")
    end = instant(log_filter.end_time, f"{where}endTime")
    if start is not None and end is not None and start > end:
        raise UserInputError(f"{where}endTime", "must not be before startTime")
    any_of, negated = log_filter.any_of, log_filter.not_
    return LogCriteria(
        levels=level_set(
            level=log_filter.level, levels=log_filter.levels, min_level=log_filter.min_level
        ),
        services=_intersect(
            _names(None if log_filter.service is None else [log_filter.service], f"{where}service"),
            _names(log_filter.services, f"{where}services"),
        ),
        start_time=start,
        end_time=end,
        message_contains=text(log_filter.message_contains, f"{where}messageContains") or None,
        message_matches=pattern(log_filter.message_matches, f"{where}messageMatches"),
        metadata=metadata_tests(log_filter.metadata or [], where=where, budget=budget),
        any_of=None
        if any_of is None
        else tuple(
            _criteria(one, where=f"{where}anyOf[{i}].", depth=depth + 1, budget=budget)
            for i, one in enumerate(any_of)
        ),
        negated=None
        if negated is None
        else _criteria(negated, where=f"{where}not.", depth=depth + 1, budget=budget),
        patterns=_pattern_ids(log_filter.patterns, f"{where}patterns"),
    )


def _pattern_ids(ids: Sequence[str] | None, field: str) -> frozenset[int] | None:
    """Pattern ids to match: at most MAX_FILTER_PATTERNS, each one a possible id."""
    if ids is None:
        return None
    if len(ids) > MAX_FILTER_PATTERNS:
        raise UserInputError(field, f"at most {MAX_FILTER_PATTERNS} ids")
    return frozenset(parse_id(one, field) for one in ids)


def _names(names: Sequence[str] | None, field: str) -> Sequence[str] | None:
    """Service names to match: at most MAX_FILTER_SERVICES, each one a possible service."""
    if names is None:
        return None
    if len(names) > MAX_FILTER_SERVICES:
        raise UserInputError(field, f"at most {MAX_FILTER_SERVICES} names")
    for name in names:
        if len(name) > MAX_SERVICE_LENGTH:
            raise UserInputError(field, f"must be at most {MAX_SERVICE_LENGTH} characters")
        text(name, field)
    return names


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
