"""Relay-style connection types for paging through logs with cursors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

import strawberry

from core.connections import LogPage
from core.tail_cursor import TailEdge
from graph.types import Log, as_logs


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class LogEdge:
    cursor: str
    node: Log


def as_edge(edge: TailEdge) -> LogEdge:
    """A live-tail edge as the `LogEdge` it already looks like: no copy, so the subscribers
    of one process send the very same object (graph/fast/event_answers.py shares its answer)."""
    return cast(LogEdge, edge)


@strawberry.type(
    description="One page of logs; `totalCount` counts every match across pages, when asked."
)
class LogConnection:
    edges: list[LogEdge]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]
    tail_from: strawberry.Private[str | None] = None

    @strawberry.field
    def nodes(self) -> list[Log]:
        return [edge.node for edge in self.edges]

    @strawberry.field
    async def total_count(self) -> int:
        return await self.count()

    @strawberry.field(
        description="A live-tail cursor for the moment before this page was read: "
        "`Subscription.logs(after:)` from it delivers every matching log committed since, a few "
        "of which this page may already hold (skip the ids you have)."
    )
    def tail_cursor(self) -> str:
        if self.tail_from is None:  # read with the page whenever the selection may hold it
            raise RuntimeError("tailCursor was not read with its page")
        return self.tail_from

    @classmethod
    def from_page(cls, page: LogPage) -> LogConnection:
        """The GraphQL shape of a page; nothing is counted until `totalCount` is asked for."""
        cursors = [cursor for cursor, _ in page.edges]
        nodes = as_logs([record for _, record in page.edges])
        return cls(
            edges=[LogEdge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)],
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
            count=page.total,
            tail_from=page.tail_cursor,
        )
