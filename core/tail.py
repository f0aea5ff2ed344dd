"""The live tail: every new log matching a filter, once, in commit order, resumable exactly.

Why positions, not ids. Ids come from a sequence when a row is written, but transactions
commit in their own order: id 101 can be visible while id 100 is still uncommitted. A tail
that remembered "the last id sent" would skip 100 for ever. So the stream is ordered by the
database's own notion of commit order (db/tail.py): each process runs one `TailReader` that
polls with the snapshot of its previous read (`since`) and gets exactly the rows whose
writing transaction that snapshot had not seen but the new one (`upto`) has, ordered by
(transaction id, id). Consecutive reads chain, `upto` becoming the next `since`, so each
committed row lands in exactly one batch, whenever its transaction commits. Batches follow
commit order; within one batch (transactions that committed between two reads, a few ms) the
order is by transaction id, the same on every process and on every resume. (On SQLite one
writer commits at a time and ids are commit-ordered, so the position is just an id.)

Cursors. An edge's cursor (core/tail_cursor.py) carries its batch's `since` and `upto` and
its own (tx, id). The logs after it are exactly: those `upto` saw and `since` did not, with
(tx, id) after the edge's, then every log `upto` did not see. That set is a query, so a
resume never depends on ids being committed in order.

The seam. A subscription starts from a cursor: the client's `after`, or for a fresh one a
position read from the database as it starts (nothing delivered yet). It waits until the
local reader's position P covers the cursor's `upto` (a cursor from a process ahead of this
one), then, in one step with no await, joins the hub and takes P. It replays from the
database what P saw and the client has not had (two keyset-paged ranges, in stream order),
then the hub's batches, which start exactly at P. Replay and live never overlap and leave no
gap; replayed edges get cursors (cursor.upto, P, tx, id), an exact "after" set because
cursor.upto saw no more than P.

Cost. The reader's query selects only what some subscriber's filter selects (their union); each
subscriber then matches its batches in memory. A batch's edges are made once, by the reader, and
every subscriber yields the same objects. A subscriber joins between two reads, so the
read that follows its join already includes its filter.

Delivery. Writes in this process wake the reader at once (the write hook), other processes'
writes through a `logs` message on the Redis bus; without Redis the reader still polls every
POLL_SECONDS, so each process tails what it writes immediately and what others write a
poll later. What the bus carries is only "read now": the rows and their order always come
from the database, one query per process per wake, never one per subscriber.

Limits. A subscriber's queue holds TAIL_QUEUE_BATCHES batches (512 by default) and
TAIL_QUEUE_BYTES of logs (16 MiB); one that falls that far behind gets SUBSCRIBER_TOO_SLOW with
`extensions.after`, its last delivered cursor, and ends at once (what it still had queued is let
go as it is cut off, broker/hub.py; it resumes from the cursor).
A cursor older than HORIZON_SECONDS (24 h), or whose log was deleted, is CURSOR_EXPIRED naming
`after`; a malformed one (a connection cursor too) is BAD_USER_INPUT naming `after`. At most
MAX_TAILS_PER_CONNECTION (10) tails per WebSocket. Ids are never given again (PostgreSQL's
sequence, SQLite's AUTOINCREMENT), so a deleted log's cursor never names a later log.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from functools import partial

from broker.hub import SubscriberOverflow
from core.errors import ResolverError, UserInputError
from core.filters import LogFilter, to_criteria
from core.metrics import subscription_active
from core.runtime import Runtime
from core.tail_cursor import (
    NOT_A_CURSOR,
    Batch,
    CursorExpired,
    SubscriberTooSlow,
    TailCursor,
    TailEdge,
    edges,
    is_position,
    start_at,
)
from core.tail_cursor import decode as decode_cursor
from db import tail
from db.logs import LogCriteria
from db.matching import matches
from db.tail import Snapshot

MAX_TAILS_PER_CONNECTION = 10
REPLAY_PAGE = 1000
REACH_SECONDS = 5.0  # how long a cursor from a process ahead of this one may take to catch up


class TooManyTails(ResolverError):
    code = "TOO_MANY_SUBSCRIPTIONS"

    def __init__(self) -> None:
        super().__init__(f"at most {MAX_TAILS_PER_CONNECTION} live tails per connection")


async def tail_logs(
    runtime: Runtime, *, log_filter: LogFilter | None, after: str | None
) -> AsyncGenerator[TailEdge, None]:
    """Matching logs committed from now (or after the cursor `after`), until the client leaves."""
    criteria = to_criteria(log_filter)
    if criteria.by_pattern:
        raise UserInputError(
            "patterns", "not in a live tail: a log gets its pattern after it is written"
        )
    # Starting now is resuming from where the database is now, with nothing yet sent.
    if after is None:
        start = start_at(await runtime.db.read_primary(tail.head))
    else:
        start = decode_cursor(after)
    try:
        async with asyncio.timeout(REACH_SECONDS):
            await runtime.tail_reader.reach(start.batch.upto)
    except TimeoutError:
        raise UserInputError("after", NOT_A_CURSOR + " of this database") from None
    last = after
    async with runtime.tail_reader.follow(criteria) as (subscriber, position):
        with subscription_active("logs"):
            if not is_position(start):  # a position names no log that could be deleted
                await _check_resumable(runtime, start)
            async for edge in _replay(runtime, start, position, criteria):
                last = edge.cursor
                yield edge
            while True:
                if subscriber.overflowed:  # cut off now, not after the batches still queued
                    raise SubscriberTooSlow(last)
                try:
                    batch = await subscriber.get()
                except SubscriberOverflow:
                    raise SubscriberTooSlow(last) from None
                for edge in batch.edges:
                    if matches(criteria, edge.node):
                        last = edge.cursor
                        yield edge


async def _check_resumable(runtime: Runtime, start: TailCursor) -> None:
    if not await runtime.db.read_primary(
        lambda connection: tail.log_exists(connection, start.log_id)
    ):
        raise CursorExpired("after", f"its log {start.log_id} was deleted; resume is not exact")


async def _replay(
    runtime: Runtime, start: TailCursor, position: Snapshot, criteria: LogCriteria
) -> AsyncGenerator[TailEdge, None]:
    """What `position` saw after the cursor: the rest of its batch, then up to `position`."""
    now = int(time.time())
    if start.batch.since != start.batch.upto:
        rest = Batch(now, start.batch.since, start.batch.upto)
        async for edge in _pages(runtime, rest, (start.tx, start.log_id), criteria):
            yield edge
    if position != start.batch.upto:
        onwards = Batch(now, start.batch.upto, position)
        async for edge in _pages(runtime, onwards, None, criteria):
            yield edge


async def _pages(
    runtime: Runtime, batch: Batch, after: tuple[int, int] | None, criteria: LogCriteria
) -> AsyncGenerator[TailEdge, None]:
    while True:
        page = partial(
            tail.replay,
            since=batch.since,
            upto=batch.upto,
            after=after,
            criteria=criteria,
            limit=REPLAY_PAGE,
        )
        rows = await runtime.db.read_primary(page)
        for edge in edges(batch, rows):
            yield edge
        if len(rows) < REPLAY_PAGE:
            return
        after = (rows[-1].tx, rows[-1].record.id)
