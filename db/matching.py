"""The in-memory twin of the SQL filter in db/logs.py: does one log satisfy a criteria?

Alerts use it to pick the rules a write may have tripped; the live tail to pick the logs a
subscriber wants. It must agree with `filtered()` on every condition; tests run both side by side.
"""

from __future__ import annotations

from db.logs import LogCriteria, LogRecord


def matches(criteria: LogCriteria, log: LogRecord) -> bool:
    """Whether `filtered(criteria)` would select this log."""
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
