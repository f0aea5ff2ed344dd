"""Which logs an alert rule counts: its stored filters, folded with its legacy fields, as the
criteria every evaluation and every in-memory match uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from functools import lru_cache

import orjson

from core.errors import UserInputError
from core.filter_json import filter_from_json, filter_json
from core.filters import LogFilter, to_criteria
from db.alert_rules import Rule
from db.levels import Level
from db.logs import LogCriteria


def stored_filter(log_filter: LogFilter, *, field: str, beside: Mapping[str, object]) -> str:
    """The filter as stored JSON, once it is within the query caps, gives no time bounds (the
    window sets them) and repeats no field the rule gives beside it (folding never chooses)."""
    to_criteria(log_filter, where=f"{field}.")
    given = filter_json(log_filter)
    for key in ("startTime", "endTime"):
        if key in given:
            raise UserInputError(
                f"{field}.{key}", "not allowed in a rule: its window sets the time"
            )
    for key, value in beside.items():
        if value is not None and key in given:
            raise UserInputError(f"{field}.{key}", f"also given as {key}; give it once")
    return orjson.dumps(given, option=orjson.OPT_SORT_KEYS).decode()


def effective_filter(rule: Rule) -> LogFilter:
    """The rule's filter with its level, minLevel, service and messageContains folded in."""
    return _fold(rule.filter, rule.level, rule.min_level, rule.service, rule.message_contains)


def base_filter(rule: Rule) -> LogFilter | None:
    """A RATIO_ABOVE rule's base filter; None where it counts every log."""
    return None if rule.base_filter is None else filter_from_json(orjson.loads(rule.base_filter))


def rule_criteria(rule: Rule, *, now: datetime) -> LogCriteria:
    """The logs an alert rule counts at `now`: its conditions, within the window ending then."""
    return _in_window(rule_matching(rule), rule, now=now)


def rule_matching(rule: Rule) -> LogCriteria:
    """The logs a rule selects, whatever their time (a new pattern's, say)."""
    return _matching(rule.filter, rule.level, rule.min_level, rule.service, rule.message_contains)


def base_criteria(rule: Rule, *, now: datetime) -> LogCriteria:
    """The logs a RATIO_ABOVE rule divides by, within the window ending `now`."""
    return _in_window(_matching(rule.base_filter, None, None, None, None), rule, now=now)


def counted_criteria(rule: Rule, *, now: datetime) -> LogCriteria:
    """The logs an alert counts: a RATIO_ABOVE rule's matches among its base, else its matches."""
    return _in_window(counted_matching(rule), rule, now=now)


def counted_matching(rule: Rule) -> LogCriteria:
    """The logs an alert counts, whatever their time (`counted_criteria` without the window)."""
    matching = rule_matching(rule)
    if rule.base_filter is None:
        return matching
    return both(matching, _matching(rule.base_filter, None, None, None, None))


def both(first: LogCriteria, second: LogCriteria) -> LogCriteria:
    """Logs that both select; the time bounds stay `first`'s, at the top where indexes use them.

    `second` goes into a free `anyOf` (one entry: it must hold) or, taken, a double `not`
    (`IS NOT TRUE` twice in SQL: exactly `second` holding, as in memory)."""
    if first.any_of is None:
        return replace(first, any_of=(second,))
    if first.negated is None:
        return replace(first, negated=LogCriteria(negated=second))
    outer = LogCriteria(start_time=first.start_time, end_time=first.end_time, any_of=(first,))
    return replace(outer, negated=LogCriteria(negated=second))


def _in_window(matching: LogCriteria, rule: Rule, *, now: datetime) -> LogCriteria:
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
