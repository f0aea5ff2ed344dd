"""Every SQL statement over the open-and-close alert instances: read one, and change its state
only over the version it was read at, so that of several processes one makes each change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from db.alert_history import AlertState
from db.models import alert_instances


@dataclass(frozen=True, slots=True)
class Instance:
    """An instance's current state, since `starts_at`, as of `version`."""

    state: AlertState
    starts_at: datetime
    version: int


def current(connection: Connection, *, rule: str, fingerprint: str) -> Instance | None:
    """The instance of the rule with that fingerprint, or None before its first change."""
    columns = (alert_instances.c.state, alert_instances.c.starts_at, alert_instances.c.version)
    row = connection.execute(
        select(*columns).where(
            alert_instances.c.rule == rule, alert_instances.c.fingerprint == fingerprint
        )
    ).first()
    return None if row is None else Instance(AlertState(row.state), row.starts_at, row.version)


def change(
    connection: Connection,
    *,
    rule: str,
    fingerprint: str,
    seen: Instance | None,
    state: AlertState,
    starts_at: datetime,
) -> bool:
    """Move the instance from `seen` to `state`; False when another process changed it first."""
    if seen is None:
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(alert_instances)
            .values(
                rule=rule,
                fingerprint=fingerprint,
                state=state.value,
                starts_at=starts_at,
                version=1,
            )
            .on_conflict_do_nothing()
        )
        return connection.execute(statement).rowcount == 1
    moved = (
        update(alert_instances)
        .where(
            alert_instances.c.rule == rule,
            alert_instances.c.fingerprint == fingerprint,
            alert_instances.c.version == seen.version,
        )
        .values(state=state.value, starts_at=starts_at, version=seen.version + 1)
    )
    return connection.execute(moved).rowcount == 1


def forget(connection: Connection, *, rule: str) -> None:
    """A deleted rule's instances go with it (its history stays)."""
    connection.execute(alert_instances.delete().where(alert_instances.c.rule == rule))
