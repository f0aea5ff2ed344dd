"""Every SQL statement over `ingest_requests`, the Idempotency-Key claims shared by processes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from db.models import ingest_requests as table


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """The first answer to a request with an Idempotency-Key, replayed to its retries (whose
    request must have the same digest, when there is one)."""

    status: int
    content_type: str
    body: bytes
    digest: str | None


def claim(
    connection: Connection,
    *,
    scope: str,
    holder: str,
    now: datetime,
    window: timedelta,
    lease: timedelta,
) -> StoredAnswer | bool:
    """Claim the scope for `holder` (True), or find it in flight (False) or answered (the
    answer).

    Answers older than the window, and claims not renewed within the lease (their process died,
    stalled or lost the database), no longer count: their holder can no longer touch the scope,
    whose new claim names another."""
    connection.execute(
        delete(table).where(
            table.c.scope == scope,
            or_(
                table.c.claimed_at < now - window,
                (table.c.status.is_(None)) & (table.c.claimed_at < now - lease),
            ),
        )
    )
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    inserted = connection.execute(
        dialect.insert(table)
        .values(scope=scope, claimed_at=now, holder=holder)
        .on_conflict_do_nothing(index_elements=[table.c.scope])
    )
    if inserted.rowcount == 1:
        return True
    row = connection.execute(
        select(table.c.status, table.c.content_type, table.c.body, table.c.digest).where(
            table.c.scope == scope
        )
    ).first()
    if row is None or row.status is None:
        return False  # in flight (or released this instant: the client retries either way)
    return StoredAnswer(
        status=row.status, content_type=row.content_type, body=row.body, digest=row.digest
    )


def renew(connection: Connection, *, scope: str, holder: str, now: datetime) -> None:
    """Extend the holder's unanswered claim's lease: it is still at work."""
    connection.execute(
        update(table).where(_held(scope, holder), table.c.status.is_(None)).values(claimed_at=now)
    )


def store_answer(connection: Connection, *, scope: str, holder: str, answer: StoredAnswer) -> None:
    """Keep the answer that retries of this scope will get, if `holder` still holds it."""
    connection.execute(
        update(table)
        .where(_held(scope, holder))
        .values(
            status=answer.status,
            content_type=answer.content_type,
            body=answer.body,
            digest=answer.digest,
        )
    )


def release(connection: Connection, *, scope: str, holder: str) -> None:
    """Drop the holder's unanswered claim, so that a retry runs the request again."""
    connection.execute(delete(table).where(_held(scope, holder), table.c.status.is_(None)))


def _held(scope: str, holder: str) -> ColumnElement[bool]:
    return and_(table.c.scope == scope, table.c.holder == holder)


def purge_expired(connection: Connection, *, before: datetime) -> None:
    """Forget every answer and claim made before `before`."""
    connection.execute(delete(table).where(table.c.claimed_at < before))
