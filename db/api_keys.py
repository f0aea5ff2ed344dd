"""Every SQL statement over API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from db.models import api_keys


@dataclass(frozen=True, kw_only=True)
class ApiKeyRecord:
    """A stored key: what it may do, and when it was made, last used and revoked."""

    name: str
    scopes: frozenset[str]
    rate_limit_per_second: float | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class KeyNameTaken(Exception):
    """A key of that name exists (revoked ones too: names are never reused)."""


def insert_key(
    connection: Connection,
    *,
    name: str,
    key_hash: str,
    scopes: frozenset[str],
    rate_limit_per_second: float | None,
    created_at: datetime,
) -> ApiKeyRecord:
    values = {
        "name": name,
        "key_hash": key_hash,
        "scopes": ",".join(sorted(scopes)),
        "rate_limit_per_second": rate_limit_per_second,
        "created_at": created_at,
    }
    try:
        with connection.begin_nested():
            connection.execute(insert(api_keys).values(values))
    except IntegrityError:
        raise KeyNameTaken(name) from None
    return ApiKeyRecord(
        name=name,
        scopes=scopes,
        rate_limit_per_second=rate_limit_per_second,
        created_at=created_at,
        last_used_at=None,
        revoked_at=None,
    )


def find_by_hash(connection: Connection, key_hash: str) -> ApiKeyRecord | None:
    """The live key with this hash, or None (unknown or revoked)."""
    statement = select(api_keys).where(
        api_keys.c.key_hash == key_hash, api_keys.c.revoked_at.is_(None)
    )
    row = connection.execute(statement).first()
    return None if row is None else _record(row)


def any_live_key(connection: Connection) -> bool:
    """Whether some key can still be used (none would lock every caller out)."""
    statement = select(api_keys.c.name).where(api_keys.c.revoked_at.is_(None)).limit(1)
    return connection.execute(statement).first() is not None


def list_keys(connection: Connection) -> list[ApiKeyRecord]:
    """Every live key, by name."""
    statement = select(api_keys).where(api_keys.c.revoked_at.is_(None)).order_by(api_keys.c.name)
    rows = connection.execute(statement)
    return [_record(row) for row in rows]


def revoke_key(connection: Connection, name: str, *, at: datetime) -> ApiKeyRecord | None:
    """Revoke the live key of that name and return it; None when there is none."""
    statement = (
        update(api_keys)
        .where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=at)
        .returning(api_keys)
    )
    row = connection.execute(statement).first()
    return None if row is None else _record(row)


def mark_used(connection: Connection, names: list[str], *, at: datetime) -> None:
    """Record that these keys were used (batched: never a write per request)."""
    if names:
        connection.execute(
            update(api_keys).where(api_keys.c.name.in_(names)).values(last_used_at=at)
        )


def _record(row: Row[Any]) -> ApiKeyRecord:
    return ApiKeyRecord(
        name=row.name,
        scopes=frozenset(row.scopes.split(",")),
        rate_limit_per_second=row.rate_limit_per_second,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
