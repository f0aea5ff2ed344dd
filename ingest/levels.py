"""The level names and numbers shippers send, read the same way by every ingest format.

The legacy REST API and GraphQL refuse a level outside `db.levels`; a shipper counts a record
delivered once the request is answered, so the ingest endpoints never refuse one for its level:
what these tables do not know is stored as INFO and the level as sent kept in the metadata.
"""

from __future__ import annotations

from typing import Any

from db.levels import BY_NAME, Level

ORIGINAL_LEVEL = "original_level"
_FREE_PREFIX = "_"  # prefixed until free, so the record's own key of that name stays

# syslog's severities 0 (emerg) to 7 (debug), RFC 5424.
_SYSLOG = (Level.FATAL,) * 3 + (Level.ERROR, Level.WARN, Level.INFO, Level.INFO, Level.DEBUG)
_SYSLOG_NAMES = {
    **{name: Level.FATAL for name in ("EMERG", "EMERGENCY", "PANIC", "ALERT", "CRIT")},
    **{"ERR": Level.ERROR, "NOTICE": Level.INFO, "INFORMATIONAL": Level.INFO},
}
# pino's and bunyan's numbers: 10 trace, 20 debug, ... 60 fatal.
_PINO = {10 * (rank + 1): level for rank, level in enumerate(Level)}
# OpenTelemetry's severity texts beyond the plain names: TRACE2 ... FATAL4.
_OTEL_TEXTS = {f"{level.value}{step}": level for level in Level for step in (2, 3, 4)}

_NUMBERS: dict[float, Level] = {
    number: level for number, level in [*enumerate(_SYSLOG), *_PINO.items()]
}
_NAMES: dict[str, Level] = (
    BY_NAME
    | _SYSLOG_NAMES
    | _OTEL_TEXTS
    | {str(number): level for number, level in _NUMBERS.items()}
)


def shipper_level(sent: str | float) -> Level | None:
    """The level a name (any case) or a number (0-7 syslog, 10-60 pino) means; None if unknown."""
    if isinstance(sent, str):
        return _NAMES.get(sent.strip().upper())
    return _NUMBERS.get(sent)


def read_level(sent: str | float, *, metadata: Any) -> tuple[Level, Any]:
    """The record's level and metadata: INFO keeping the level as sent when it is unknown."""
    level = shipper_level(sent)
    if level is None:
        return Level.INFO, keep_original_level(metadata, sent)
    return level, metadata


def keep_original_level(metadata: dict[str, Any] | None, sent: Any) -> dict[str, Any]:
    """The metadata with the level as sent under ORIGINAL_LEVEL, or a `_`-prefixed free name."""
    kept = dict(metadata or {})
    key = ORIGINAL_LEVEL
    while key in kept:
        key = _FREE_PREFIX + key
    kept[key] = sent
    return kept
