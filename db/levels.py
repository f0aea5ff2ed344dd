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
# A dict lookup: calling the Enum class is the slowest step of validating a bulk request.
BY_NAME: dict[str, Level] = {level.value: level for level in Level} | ALIASES


def parse_level(name: str) -> Level:
    """Read a level case-insensitively, accepting the legacy aliases; ValueError otherwise."""
    level = BY_NAME.get(name.strip().upper())
    if level is None:
        raise ValueError(f"unknown level {name!r}; allowed: {ALLOWED_NAMES}")
    return level
