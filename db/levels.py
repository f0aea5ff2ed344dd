"""The one place that knows log level names, their order and their aliases."""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """Canonical severities, least severe first."""

    TRACE = "TRACE"
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"
    FATAL = "FATAL"

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    def and_above(self) -> list[Level]:
        """This level and every more severe one (what `minLevel` means)."""
        return _ORDER[self.rank :]


_ORDER = list(Level)
ALIASES: dict[str, Level] = {"WARNING": Level.WARN, "CRITICAL": Level.FATAL}
ALLOWED_NAMES = ", ".join(level.value for level in Level)


def parse_level(name: str) -> Level:
    """Read a level case-insensitively, accepting the legacy aliases; ValueError otherwise."""
    key = name.strip().upper()
    if key in ALIASES:
        return ALIASES[key]
    try:
        return Level(key)
    except ValueError:
        raise ValueError(f"unknown level {name!r}; allowed: {ALLOWED_NAMES}") from None
