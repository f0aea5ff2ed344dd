"""GraphQL types of the live tail. `LogEdge` has the shape the connections issue defines
(`cursor`, `node`); the tail's cursor is its own opaque string (core/tail_cursor.py)."""

from __future__ import annotations

from typing import cast

import strawberry

from core.tail import TailEdge
from graph.types import Log


@strawberry.type(description="A log and the opaque cursor to resume after it.")
class LogEdge:
    cursor: str
    node: Log

    @classmethod
    def from_tail(cls, edge: TailEdge) -> LogEdge:
        # A LogRecord already has the GraphQL Log shape (see graph/types.py).
        return cls(cursor=edge.cursor, node=cast(Log, edge.node))
