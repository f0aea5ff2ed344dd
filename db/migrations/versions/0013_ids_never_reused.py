"""SQLite: log ids are never handed out again (AUTOINCREMENT), every log and id kept.

Without AUTOINCREMENT SQLite gives a new row the largest id present + 1, so deleting the newest
log gave its id to the next one: `GET /api/v1/logs/{id}` answered with another log, and a live
tail resumed from the deleted log's cursor skipped the new one instead of being refused. SQLite
cannot add AUTOINCREMENT to a table, so the table is rebuilt: created anew, filled with every row
as it is (ids included, which starts SQLite's counter at the largest), renamed, its indexes and
triggers created again. All of it runs in the migration's one transaction. Ids deleted above the
largest one left before this upgrade were never recorded, so they are not known here.
PostgreSQL's BIGSERIAL draws ids from a sequence, which never goes back: nothing to do there.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.models import CurrentTransactionId

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["id", "timestamp", "level", "service", "message", "metadata", "tx_id"]
LEVEL_CHECK = "level IN ('TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL')"
INDEXES = {
    "ix_logs_timestamp": ["timestamp", "id"],
    "ix_logs_service_timestamp": ["service", "timestamp", "id"],
    "ix_logs_level_timestamp": ["level", "timestamp", "id"],
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_logs(autoincrement=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_logs(autoincrement=False)


def _rebuild_logs(*, autoincrement: bool) -> None:
    """`logs` as 0001 and 0008 left it, with or without AUTOINCREMENT, holding the same rows."""
    bind = op.get_bind()
    triggers = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'logs'")
    ).scalars()
    trigger_sql = list(triggers)
    _create("logs_rebuilt", autoincrement=autoincrement)
    columns = ", ".join(f'"{name}"' for name in COLUMNS)
    # No trigger is on logs_rebuilt yet, so the copy leaves the rollups as they are.
    op.execute(f"INSERT INTO logs_rebuilt ({columns}) SELECT {columns} FROM logs")
    op.drop_table("logs")  # its indexes and triggers with it; no trigger fires
    op.rename_table("logs_rebuilt", "logs")
    for name, indexed in INDEXES.items():
        op.create_index(name, "logs", indexed)
    for sql in trigger_sql:
        op.execute(sql)


def _create(name: str, *, autoincrement: bool) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(5), nullable=False),
        sa.Column("service", sa.String(100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("tx_id", sa.BigInteger(), nullable=True, server_default=CurrentTransactionId()),
        sa.CheckConstraint(LEVEL_CHECK, name="ck_logs_level"),
        sqlite_autoincrement=autoincrement,
    )
