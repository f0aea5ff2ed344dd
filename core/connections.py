"""Cursor pages through the matching logs (GraphQL's `logsConnection`), and their exact total."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Connection

from core.criteria import read_criteria
from core.cursors import decode_cursor, encode_cursor
from core.errors import UserInputError
from core.filters import LogFilter
from core.logs import SortOrder
from core.runtime import Runtime
from core.tail_cursor import cursor_text, start_at
from core.validation import MAX_PAGE_SIZE
from db import stats, tail
from db.cursors import keyset_page
from db.keyset import Position
from db.logs import LogCriteria, LogRecord
from db.tail import Snapshot

DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A page in the scan's own direction: backward pages scan the reversed order."""

    size: int
    forward: bool
    after: Position | None
    before: Position | None


@dataclass(frozen=True, slots=True)
class LogPage:
    """The page's logs with their cursors, in the requested order; `total` counts on demand.
    Whether a match lies behind the page's starting cursor is false unless asked for, as
    Relay's specification allows where a server cannot tell cheaply."""

    edges: list[tuple[str, LogRecord]]
    has_next_page: bool
    has_previous_page: bool
    total: Callable[[], Awaitable[int]]
    tail_cursor: str | None = None


async def logs_page(
    runtime: Runtime,
    *,
    log_filter: LogFilter | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    order: SortOrder = SortOrder.DESC,
    behind: bool = True,
    tail_from: bool = False,
) -> LogPage:
    """One page of matching logs, `first` after a cursor or `last` before one.

    `behind`: find out whether any match lies behind the starting cursor (the previous page
    paging forward, the next one paging backward). That is one more query, so a deep page
    would cost more than the first; surfaces ask it only when their client does.

    `tail_from`: also a live-tail cursor for the moment before the page is read, so a reader
    who tails on from it misses nothing committed since (the page may hold a few of those
    logs too: the tail's reader skips ids it has).
    """
    request = PageRequest(
        size=_page_size(first=first, last=last),
        forward=last is None,
        after=None if after is None else decode_cursor(after, field="after", order=order),
        before=None if before is None else decode_cursor(before, field="before", order=order),
    )
    criteria = await read_criteria(runtime, log_filter)
    descending = order is SortOrder.DESC

    def read(connection: Connection) -> tuple[Snapshot | None, tuple[list[LogRecord], bool, bool]]:
        head = tail.head(connection) if tail_from else None  # before the page: no gap
        return head, _page(connection, criteria, request, descending=descending, behind=behind)

    head, (records, has_more, has_earlier) = await runtime.db.read(read)
    return LogPage(
        edges=[(encode_cursor(record, order), record) for record in records],
        has_next_page=has_more if request.forward else has_earlier,
        has_previous_page=has_earlier if request.forward else has_more,
        total=partial(_total, runtime, criteria),
        tail_cursor=None if head is None else cursor_text(start_at(head)),
    )


async def _total(runtime: Runtime, criteria: LogCriteria) -> int:
    """Every match, from the rollups where the criteria allow (as `stats` counts)."""
    rows = await runtime.db.read(
        lambda connection: stats.count_by_level_and_service(connection, criteria)
    )
    return sum(row.count for row in rows)


def _page_size(*, first: int | None, last: int | None) -> int:
    if first is not None and last is not None:
        raise UserInputError("last", "give first or last, not both")
    for field, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= MAX_PAGE_SIZE:
            raise UserInputError(field, f"must be between 0 and {MAX_PAGE_SIZE}")
    return first if first is not None else last if last is not None else DEFAULT_PAGE_SIZE


def _page(
    connection: Connection,
    criteria: LogCriteria,
    request: PageRequest,
    *,
    descending: bool,
    behind: bool,
) -> tuple[list[LogRecord], bool, bool]:
    """The page in the requested order, whether more lie beyond it, and whether any lie
    behind its starting cursor (one extra index probe, only when there is a cursor and
    `behind` asks)."""
    scan_descending = descending if request.forward else not descending
    start, stop = (
        (request.after, request.before) if request.forward else (request.before, request.after)
    )
    rows = keyset_page(
        connection,
        criteria,
        descending=scan_descending,
        after=start,
        before=stop,
        limit=request.size + 1,
    )
    has_more = len(rows) > request.size
    records = rows[: request.size]
    if not request.forward:
        records.reverse()
    if start is None or not behind:
        return records, has_more, False
    earlier = keyset_page(
        connection, criteria, descending=not scan_descending, after=start, limit=1
    )
    return records, has_more, bool(earlier)
