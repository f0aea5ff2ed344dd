"""PostgreSQL: `logs` becomes a table partitioned by time; the old table is its first partition.

No row is copied. In the migration's one transaction the old table is renamed, the partitioned
parent is created under the old name with the same columns, sequence, indexes and rollup
triggers, and the old table is attached as the partition of [oldest log, newest log]. Its
indexes are attached as they are; PostgreSQL checks the partition's bounds with one scan and
the new primary key (id, timestamp) is built on it: that scan and that index are what the
upgrade costs per million logs (docs/storage.md), and writers wait for them. An empty old table
is dropped instead. Later partitions are created by the app (db/partitions.py).

The assignments of patterns lose their foreign key, on both backends: a partitioned table
cannot be referenced by `id` alone. Whoever deletes logs deletes their assignments
(db/forget.py).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from db.partitions import create_days_ahead

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "logs_before_partitioning"
DAYS_AHEAD = 7
LEVEL_CHECK = "level IN ('TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL')"
PARENT = f"""
CREATE TABLE logs (
    id bigint NOT NULL DEFAULT nextval('logs_id_seq'),
    "timestamp" timestamptz NOT NULL,
    level varchar(5) NOT NULL,
    service varchar(100) NOT NULL,
    message text NOT NULL,
    metadata jsonb,
    tx_id bigint DEFAULT (pg_current_xact_id()::text::bigint),
    CONSTRAINT ck_logs_level CHECK ({LEVEL_CHECK}),
    CONSTRAINT logs_pkey PRIMARY KEY (id, "timestamp")
) PARTITION BY RANGE ("timestamp")
"""
TRIGGERS = """
CREATE TRIGGER logs_rollups_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION log_deltas_add();
CREATE TRIGGER logs_rollups_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS deleted
  FOR EACH STATEMENT EXECUTE FUNCTION log_deltas_subtract();
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("log_patterns", recreate="always") as batch:
            batch.drop_constraint("fk_log_patterns_log", type_="foreignkey")
        return
    op.execute("ALTER TABLE log_patterns DROP CONSTRAINT fk_log_patterns_log")
    op.execute("LOCK TABLE logs IN ACCESS EXCLUSIVE MODE")
    indexes = _secondary_indexes("logs")
    op.execute(f"ALTER TABLE logs RENAME TO {OLD}")
    # Its key on `id` alone gives way to (id, timestamp), built below: one key per partition.
    op.execute(f"ALTER TABLE {OLD} DROP CONSTRAINT logs_pkey")
    op.execute(
        f"DROP TRIGGER logs_rollups_insert ON {OLD}; DROP TRIGGER logs_rollups_delete ON {OLD}"
    )
    op.execute(PARENT)
    op.execute("ALTER SEQUENCE logs_id_seq OWNED BY logs.id")
    for name, definition in indexes.items():
        op.execute(f"ALTER INDEX {name} RENAME TO {OLD}_{name.removeprefix('ix_logs_')}")
        op.execute(definition)  # "CREATE INDEX <name> ON public.logs ...": now the parent
    op.execute(TRIGGERS.format(table="logs"))
    _attach_or_drop_old()
    # The coming days' partitions at once, by the database's clock (the app adds its own).
    now = op.get_bind().execute(sa.text("SELECT now()")).scalar_one()
    create_days_ahead(op.get_bind(), now, days=DAYS_AHEAD)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("log_patterns", recreate="always") as batch:
            batch.create_foreign_key(
                "fk_log_patterns_log", "logs", ["log_id"], ["id"], ondelete="CASCADE"
            )
        return
    # Back to one table: every row copied (a downgrade may cost what the upgrade saved).
    indexes = _secondary_indexes("logs")
    op.execute(
        "CREATE TABLE logs_unpartitioned (LIKE logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    )
    op.execute("INSERT INTO logs_unpartitioned SELECT * FROM logs")  # no trigger there yet
    op.execute("ALTER SEQUENCE logs_id_seq OWNED BY logs_unpartitioned.id")
    op.execute("DROP TABLE logs")
    op.execute("ALTER TABLE logs_unpartitioned RENAME TO logs")
    op.execute("ALTER TABLE logs ADD CONSTRAINT logs_pkey PRIMARY KEY (id)")
    for definition in indexes.values():
        op.execute(definition)
    op.execute(TRIGGERS.format(table="logs"))
    op.execute("DELETE FROM log_patterns WHERE log_id NOT IN (SELECT id FROM logs)")
    op.execute(
        "ALTER TABLE log_patterns ADD CONSTRAINT fk_log_patterns_log FOREIGN KEY (log_id)"
        " REFERENCES logs (id) ON DELETE CASCADE"
    )


def _secondary_indexes(table: str) -> dict[str, str]:
    """Each index but the primary key's, by name, with the statement that made it."""
    rows = op.get_bind().execute(
        sa.text(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE schemaname = current_schema() AND tablename = :table"
            " AND indexname <> :table || '_pkey'"
        ),
        {"table": table},
    )
    return {name: definition for name, definition in rows}


def _attach_or_drop_old() -> None:
    """The old table as the partition of its own time range; checked by a constraint first, so
    that ATTACH needs no scan of its own; ATTACH builds the partition's key (id, timestamp)."""
    bind = op.get_bind()
    oldest, newest = bind.execute(
        sa.text(f'SELECT min("timestamp"), max("timestamp") FROM {OLD}')
    ).one()
    if oldest is None:
        op.execute(f"DROP TABLE {OLD}")
        return
    low, high = f"'{oldest.isoformat()}'", f"'{(newest + timedelta(microseconds=1)).isoformat()}'"
    check = f'"timestamp" >= {low} AND "timestamp" < {high}'
    op.execute(f"ALTER TABLE {OLD} ADD CONSTRAINT {OLD}_bounds CHECK ({check})")
    op.execute(f"ALTER TABLE logs ATTACH PARTITION {OLD} FOR VALUES FROM ({low}) TO ({high})")
