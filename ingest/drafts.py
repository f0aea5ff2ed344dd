"""What every protocol maps a record to, and its check through the shared validation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.errors import UserInputError
from core.validation import to_new_log
from db.levels import Level
from db.logs import NewLog

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Draft:
    """A log as a protocol read it, not yet validated (a LogDraft)."""

    level: Level
    service: str
    message: str
    timestamp: datetime | None
    metadata: Any


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one record was not written; `position` is the protocol's own (a line, an index)."""

    position: int
    reason: str
    field: str | None = None


def validate(draft: Draft, *, position: int) -> NewLog | Rejection:
    """The shared rules (non-blank text, sizes, metadata JSON), as a value instead of a raise."""
    try:
        return to_new_log(draft)
    except UserInputError as exc:
        return Rejection(position, exc.reason, exc.field)


def from_unix_nanos(nanos: int) -> datetime:
    """An instant from nanoseconds since the epoch; ValueError outside years 1..9999."""
    try:  # half the CPU of fromtimestamp and replace, the same instant (microseconds floored)
        return _EPOCH + timedelta(microseconds=nanos // 1000)
    except OverflowError:
        raise ValueError("timestamp out of range") from None


def partition(results: Iterable[NewLog | Rejection]) -> tuple[list[NewLog], list[Rejection]]:
    """The accepted logs and the rejections of one request, each in request order."""
    new_logs: list[NewLog] = []
    rejections: list[Rejection] = []
    for result in results:
        if isinstance(result, NewLog):
            new_logs.append(result)
        else:
            rejections.append(result)
    return new_logs, rejections
