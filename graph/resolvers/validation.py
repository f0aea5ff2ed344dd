"""The rules input must meet, each written once for GraphQL and REST alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

import orjson

from db.logs import LogCriteria, NewLog
from db.models import MAX_MESSAGE_BYTES, MAX_SERVICE_LENGTH, as_utc
from graph.errors import TooLargeError, UserInputError
from graph.inputs import LogDraft, LogFilter

T = TypeVar("T")

MAX_PAGE_SIZE = 1000
MAX_BULK_SIZE = 10_000


def check_page(*, skip: int, limit: int) -> None:
    """Refuse, never clip, paging outside the allowed range."""
    if skip < 0:
        raise UserInputError("skip", "must be 0 or more")
    if not 0 <= limit <= MAX_PAGE_SIZE:
        raise UserInputError("limit", f"must be between 0 and {MAX_PAGE_SIZE}")


def parse_log_id(log_id: str | int) -> int:
    """Ids are 64-bit integers; anything else can name no log."""
    try:
        value = int(log_id)
    except (TypeError, ValueError):
        raise UserInputError("id", "must be an integer") from None
    if not 1 <= value < 2**63:
        raise UserInputError("id", "must be a positive 64-bit integer")
    return value


def to_new_logs(inputs: Sequence[LogDraft]) -> list[NewLog]:
    """Validate every input before any is written; the first bad one names its index."""
    if len(inputs) > MAX_BULK_SIZE:
        raise TooLargeError("inputs", f"at most {MAX_BULK_SIZE} logs per request")
    now = datetime.now(UTC)
    return [_to_new_log(item, index=i, now=now) for i, item in enumerate(inputs)]


def to_new_log(item: LogDraft) -> NewLog:
    return _to_new_log(item, index=None, now=datetime.now(UTC))


def _to_new_log(item: LogDraft, *, index: int | None, now: datetime) -> NewLog:
    _check_text("service", item.service, max_bytes=None, index=index)
    if len(item.service) > MAX_SERVICE_LENGTH:
        raise UserInputError(
            "service", f"must be at most {MAX_SERVICE_LENGTH} characters", index=index
        )
    _check_text("message", item.message, max_bytes=MAX_MESSAGE_BYTES, index=index)
    return NewLog(
        timestamp=now if item.timestamp is None else as_utc(item.timestamp),
        level=item.level,
        service=item.service,
        message=item.message,
        metadata=item.metadata,
        metadata_json=_metadata_json(item.metadata, index=index),
    )


def _check_text(field: str, value: str, *, max_bytes: int | None, index: int | None) -> None:
    """Non-blank UTF-8 without NUL (which PostgreSQL cannot store), within the byte limit."""
    if not value or value.isspace():
        raise UserInputError(field, "must not be empty", index=index)
    size = len(value) if value.isascii() else _utf8_size(field, value, index=index)
    if "\x00" in value:
        raise UserInputError(field, "must not contain NUL characters", index=index)
    if max_bytes is not None and size > max_bytes:
        raise UserInputError(field, f"must be at most {max_bytes} bytes", index=index)


def _utf8_size(field: str, value: str, *, index: int | None) -> int:
    try:
        return len(value.encode())
    except UnicodeEncodeError:  # lone surrogates, which JSON can carry but UTF-8 cannot
        raise UserInputError(field, "must be valid Unicode text", index=index) from None


def _metadata_json(metadata: object, *, index: int | None) -> str | None:
    """The metadata as JSON text, refusing what JSON or PostgreSQL cannot hold."""
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise UserInputError("metadata", "must be a JSON object or null", index=index)
    try:
        encoded = orjson.dumps(metadata)
    except orjson.JSONEncodeError:
        reason = "must hold only JSON values (text as valid Unicode, integers within 64 bits)"
        raise UserInputError("metadata", reason, index=index) from None
    if b"\\u0000" in encoded:
        raise UserInputError("metadata", "must not contain NUL characters", index=index)
    return encoded.decode()


def to_criteria(log_filter: LogFilter | None) -> LogCriteria:
    """Fold the filter's overlapping conditions (level, levels, minLevel...) into one criteria."""
    if log_filter is None:
        return LogCriteria()
    start = None if log_filter.start_time is None else as_utc(log_filter.start_time)
    end = None if log_filter.end_time is None else as_utc(log_filter.end_time)
    if start is not None and end is not None and start > end:
        raise UserInputError("endTime", "must not be before startTime")
    return LogCriteria(
        levels=_intersect(
            [log_filter.level] if log_filter.level is not None else None,
            log_filter.levels,
            log_filter.min_level.and_above() if log_filter.min_level is not None else None,
        ),
        services=_intersect(
            [log_filter.service] if log_filter.service is not None else None,
            log_filter.services,
        ),
        start_time=start,
        end_time=end,
        message_contains=log_filter.message_contains or None,
    )


def _intersect(*choices: Sequence[T] | None) -> frozenset[T] | None:
    given = [frozenset(choice) for choice in choices if choice is not None]
    if not given:
        return None
    return frozenset.intersection(*given)
