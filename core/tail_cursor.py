"""Live-tail cursors: an edge's position in the commit-ordered stream, as an opaque string.

A cursor names the batch its edge came in (the reader's positions before and after the read,
`since` and `upto`) and the edge's (tx, id) within it. What follows the edge is exactly: the
logs `upto` saw and `since` did not, after (tx, id), then every log `upto` did not see. See
core/tail.py for why that makes resuming exact. A cursor may also name a bare position, before
any edge (`since` = `upto`, tx and id 0): what follows it is every log that position did not
see. `logsConnection { tailCursor }` hands one out, so a page's reader tails on from its page.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import ResolverError, UserInputError
from db.logs import LogRecord
from db.tail import Snapshot, TailRow

PREFIX = "tail1"
HORIZON_SECONDS = 24 * 3600  # a cursor older than this is refused (CURSOR_EXPIRED)
NOT_A_CURSOR = "is not a live-tail cursor (pass the cursor of an edge the tail sent)"


class CursorExpired(UserInputError):
    """A cursor that can no longer be resumed exactly: too old, or its log was deleted."""

    code = "CURSOR_EXPIRED"


class SubscriberTooSlow(ResolverError):
    """The subscriber fell a whole queue behind; it resumes with `after` from extensions."""

    code = "SUBSCRIBER_TOO_SLOW"

    def __init__(self, after: str | None) -> None:
        self.after = after
        super().__init__("the subscriber fell too far behind; resume with extensions.after")

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, "after": self.after}


@dataclass(frozen=True, slots=True)
class Batch:
    """Where a batch of edges sits: read at `issued` (Unix seconds), from `since` to `upto`."""

    issued: int
    since: Snapshot
    upto: Snapshot

    def prefix(self) -> str:
        """The part of the cursor every edge of the batch shares (encoded once per batch)."""
        text = f"{self.issued}|{self.since}|{self.upto}".encode()
        return f"{PREFIX}.{base64.urlsafe_b64encode(text).decode().rstrip('=')}"


@dataclass(frozen=True, slots=True)
class TailCursor:
    batch: Batch
    tx: int
    log_id: int


@dataclass(frozen=True, slots=True)
class TailEdge:
    """A delivered log and its cursor: already the GraphQL `LogEdge`'s shape."""

    cursor: str
    node: LogRecord


def start_at(snapshot: Snapshot) -> TailCursor:
    """The stream where it stands at `snapshot`, before any edge."""
    return TailCursor(Batch(int(time.time()), snapshot, snapshot), tx=0, log_id=0)


def is_position(cursor: TailCursor) -> bool:
    """Whether the cursor names a bare position rather than a delivered edge (ids start at 1,
    transaction ids at 3, so 0 names no edge)."""
    return cursor.log_id == 0 and cursor.tx == 0 and cursor.batch.since == cursor.batch.upto


def cursor_text(cursor: TailCursor) -> str:
    return encode(cursor.batch.prefix(), cursor.tx, cursor.log_id)


def edges(batch: Batch, rows: Sequence[TailRow]) -> list[TailEdge]:
    """The batch's rows as edges. A live batch's edges are made once, by the reader, and
    every subscriber of the process yields the same objects (so GraphQL can share their
    answers, graph/fast/event_answers.py)."""
    prefix = batch.prefix()
    return [TailEdge(encode(prefix, row.tx, row.record.id), row.record) for row in rows]


def encode(prefix: str, tx: int, log_id: int) -> str:
    return f"{prefix}.{tx}.{log_id}"


def decode(text: str) -> TailCursor:
    """The cursor, or BAD_USER_INPUT naming `after`; an expired one is CURSOR_EXPIRED."""
    try:
        cursor = _decode(text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise UserInputError("after", NOT_A_CURSOR) from None
    if time.time() - cursor.batch.issued > HORIZON_SECONDS:
        raise CursorExpired("after", f"is older than the {HORIZON_SECONDS // 3600} h horizon")
    return cursor


def _decode(text: str) -> TailCursor:
    prefix, batch, tx, log_id = text.split(".")
    if prefix != PREFIX or not (tx.isdigit() and log_id.isdigit()) or len(batch) > 4096:
        raise ValueError(text)
    padded = batch + "=" * (-len(batch) % 4)
    issued, since, upto = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
    found = Batch(int(issued), Snapshot.parse(since), Snapshot.parse(upto))
    edge = int(tx)
    if is_position(TailCursor(found, edge, int(log_id))):
        return TailCursor(found, edge, int(log_id))
    if not found.upto.covers(found.since) or found.since.sees(edge) or not found.upto.sees(edge):
        raise ValueError(text)
    return TailCursor(found, edge, int(log_id))
