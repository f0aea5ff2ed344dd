"""The rules input must meet, each written once for GraphQL, REST and alert rules alike."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, overload

import orjson

from core.errors import TooLargeError, UserInputError
from db.levels import Level
from db.logs import NewLog
from db.models import MAX_MESSAGE_BYTES, MAX_SERVICE_LENGTH, as_utc

MAX_PAGE_SIZE = 1000
MAX_SKIP = 2**63 - 1  # what SQL's OFFSET holds on both backends
MAX_BULK_SIZE = 10_000
MAX_METADATA_DEPTH = 32  # levels of objects and arrays, the log's own object being the first
MAX_METADATA_BYTES = 64 * 1024  # as JSON
# Exact types (not subclasses) that can be neither nested nor a non-finite number.
_PLAIN_SCALARS = frozenset({str, int, bool, type(None)})


class LogDraft(Protocol):
    """What the resolvers read of a new log: GraphQL's LogInput or REST's LogCreate as it is."""

    @property
    def level(self) -> Level: ...
    @property
    def service(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def timestamp(self) -> datetime | None: ...
    @property
    def metadata(self) -> Any: ...


def check_page(*, skip: int, limit: int) -> None:
    """Refuse, never clip, paging outside the allowed range."""
    if not 0 <= skip <= MAX_SKIP:
        raise UserInputError("skip", f"must be between 0 and {MAX_SKIP}")
    if not 0 <= limit <= MAX_PAGE_SIZE:
        raise UserInputError("limit", f"must be between 0 and {MAX_PAGE_SIZE}")


def parse_log_id(log_id: str | int) -> int:
    """Ids are 64-bit integers; anything else can name no log."""
    return parse_id(log_id, "id")


def parse_id(value: str | int, field: str) -> int:
    """A stored row's id (logs', patterns'): a positive 64-bit integer, else `field` is bad."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise UserInputError(field, "must be an integer") from None
    if not 1 <= number < 2**63:
        raise UserInputError(field, "must be a positive 64-bit integer")
    return number


def to_new_logs(inputs: Sequence[LogDraft]) -> list[NewLog]:
    """Validate every input before any is written; the first bad one names its index."""
    if len(inputs) > MAX_BULK_SIZE:
        raise TooLargeError("inputs", f"at most {MAX_BULK_SIZE} logs per request")
    now = datetime.now(UTC)
    return [_to_new_log(item, index=i, now=now) for i, item in enumerate(inputs)]


def to_new_log(item: LogDraft) -> NewLog:
    return _to_new_log(item, index=None, now=datetime.now(UTC))


def _to_new_log(item: LogDraft, *, index: int | None, now: datetime) -> NewLog:
    check_service("service", item.service, index=index)
    check_characters("message", item.message, max_bytes=MAX_MESSAGE_BYTES, index=index)
    return NewLog(
        timestamp=now if item.timestamp is None else _utc("timestamp", item.timestamp, index),
        level=item.level,
        service=item.service,
        message=item.message,
        metadata=item.metadata,
        metadata_json=_metadata_json(item.metadata, index=index),
    )


def check_service(field: str, value: str, *, index: int | None = None) -> None:
    """A service name: non-blank text of at most MAX_SERVICE_LENGTH characters."""
    check_text(field, value, max_bytes=None, index=index)
    if len(value) > MAX_SERVICE_LENGTH:
        raise UserInputError(field, f"must be at most {MAX_SERVICE_LENGTH} characters", index=index)


def check_text(field: str, value: str, *, max_bytes: int | None, index: int | None = None) -> None:
    """Non-blank text that check_characters passes: a name must name something."""
    if not value or value.isspace():
        raise UserInputError(field, "must not be empty", index=index)
    check_characters(field, value, max_bytes=max_bytes, index=index)


def check_characters(
    field: str, value: str, *, max_bytes: int | None, index: int | None = None
) -> None:
    """UTF-8 without NUL (which PostgreSQL cannot store), within the byte limit. A message may
    be empty or blank: the legacy contract requires it present, and the predecessor stored ''."""
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
    """The metadata as JSON text, refusing what JSON or PostgreSQL cannot hold or what would
    not read back the same: the answer and every later read must encode what was stored."""
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise UserInputError("metadata", "must be a JSON object or null", index=index)
    _check_nesting_and_numbers(metadata, index=index)
    try:
        encoded = orjson.dumps(metadata)
    except orjson.JSONEncodeError:
        reason = "must hold only JSON values (text as valid Unicode, integers within 64 bits)"
        raise UserInputError("metadata", reason, index=index) from None
    if b"\\u0000" in encoded:
        raise UserInputError("metadata", "must not contain NUL characters", index=index)
    if len(encoded) > MAX_METADATA_BYTES:
        reason = f"must be at most {MAX_METADATA_BYTES} bytes as JSON"
        raise UserInputError("metadata", reason, index=index)
    return encoded.decode()


def _check_nesting_and_numbers(metadata: dict[str, Any], *, index: int | None) -> None:
    """At most MAX_METADATA_DEPTH levels (orjson fails at 255, after the row is written), and
    no NaN or Infinity, which JSON cannot carry (they would be stored as null)."""
    containers: list[tuple[Any, int]] = [(metadata, 1)]
    while containers:
        container, depth = containers.pop()
        if depth > MAX_METADATA_DEPTH:
            reason = f"must be nested at most {MAX_METADATA_DEPTH} levels deep"
            raise UserInputError("metadata", reason, index=index)
        for value in container.values() if isinstance(container, dict) else container:
            if type(value) in _PLAIN_SCALARS:  # most values: one set lookup, no isinstance
                continue
            if isinstance(value, dict | list):
                containers.append((value, depth + 1))
            elif isinstance(value, float) and not math.isfinite(value):
                reason = "must not contain NaN or Infinity"
                raise UserInputError("metadata", reason, index=index)


@overload
def to_utc(field: str, value: datetime) -> datetime: ...
@overload
def to_utc(field: str, value: None) -> None: ...
def to_utc(field: str, value: datetime | None) -> datetime | None:
    """The instant in UTC; one that leaves the representable years when moved there is refused."""
    return None if value is None else _utc(field, value, None)


def _utc(field: str, value: datetime, index: int | None) -> datetime:
    try:
        return as_utc(value)
    except OverflowError:
        raise UserInputError(
            field, "is out of range (years 1 to 9999 in UTC)", index=index
        ) from None
