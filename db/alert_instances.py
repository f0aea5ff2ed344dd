"""Every SQL statement over the open-and-close alert instances: read one, and change its state
only over the version it was read at, so that of several processes one makes each change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from db.alert_history import AlertState
from db.models import alert_instances


@dataclass(frozen=True, slots=True)
class Instance:
    """An instance's current state, since `starts_at`, as of `version`, and its group's value
    per groupBy entry."""

    state: AlertState
    starts_at: datetime
    version: int
    group_key: tuple[str | None, ...] = ()


def of_rule(connection: Connection, *, rule: str) -> dict[str, Instance]:
    """The rule's instances by fingerprint."""
    return of_rules(connection, rules=[rule]).get(rule, {})


def of_rules(connection: Connection, *, rules: Sequence[str]) -> dict[str, dict[str, Instance]]:
    """Each rule's instances by fingerprint, in one statement (rules without any are absent)."""
    statement = select(alert_instances).where(alert_instances.c.rule.in_(rules))
    found: dict[str, dict[str, Instance]] = {}
    for row in connection.execute(statement):
        found.setdefault(row.rule, {})[row.fingerprint] = Instance(
            AlertState(row.state), row.starts_at, row.version, tuple(orjson.loads(row.group_key))
        )
    return found


def change(
    connection: Connection,
    *,
    rule: str,
    fingerprint: str,
    seen: Instance | None,
    state: AlertState,
    starts_at: datetime,
    group_key: tuple[str | None, ...],
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
                group_key=orjson.dumps(list(group_key)).decode(),
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
