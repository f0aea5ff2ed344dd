"""The order every time-ordered page follows, (timestamp, id): a log's place in it, and the
condition "after this place", for `logs` and for the pattern assignments alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, ColumnElement, and_, literal, tuple_

from db.models import UTCDateTime


@dataclass(frozen=True, slots=True)
class Position:
    """Where a log sits in the (timestamp, id) order; cursors carry one."""

    timestamp: datetime
    id: int


def beyond(
    instant_column: ColumnElement[datetime],
    id_column: ColumnElement[int],
    position: Position,
    *,
    descending: bool,
) -> ColumnElement[bool]:
    """Rows that come after the position when scanning in this direction: a row comparison,
    which both backends answer from a (timestamp, id) index, and the same bound on the
    timestamp alone, which PostgreSQL prunes partitions by at planning (a row comparison
    prunes none)."""
    instant = literal(position.timestamp, UTCDateTime())
    bound = tuple_(instant, literal(position.id, BigInteger()))
    key = tuple_(instant_column, id_column)
    if descending:
        return and_(instant_column <= instant, key < bound)
    return and_(instant_column >= instant, key > bound)
