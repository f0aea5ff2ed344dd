"""Opaque cursors: a log's position in one order, base64url of a small versioned JSON array."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

import orjson

from core.errors import UserInputError
from core.logs import SortOrder
from db.keyset import Position
from db.logs import LogRecord
from db.models import as_utc

VERSION = 1
MAX_CURSOR_LENGTH = 200


def encode_cursor(log: LogRecord, order: SortOrder) -> str:
    """The log's position, readable back only with the same order."""
    raw = orjson.dumps([VERSION, order.value, log.timestamp.isoformat(), int(log.id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, field: str, order: SortOrder) -> Position:
    """The position a cursor names; BAD_USER_INPUT naming `field` for anything else."""
    cursor_order, timestamp, log_id = _fields(cursor, field)
    if cursor_order != order.value:
        reason = f"was made for order {cursor_order}; page with the order it was made for"
        raise UserInputError(field, reason)
    return Position(timestamp=timestamp, id=log_id)


def _fields(cursor: str, field: str) -> tuple[str, datetime, int]:
    invalid = UserInputError(field, "is not a cursor this server made")
    if len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
        raise invalid
    try:
        decoded = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        version, order, stamp, log_id = decoded
        timestamp = datetime.fromisoformat(stamp)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise invalid from None
    valid = (
        version == VERSION
        and order in {o.value for o in SortOrder}
        and timestamp.tzinfo is not None
        and type(log_id) is int
        and 1 <= log_id < 2**63
    )
    if not valid:
        raise invalid
    return order, as_utc(timestamp), log_id
