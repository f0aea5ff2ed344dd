"""The live tail's commit-order position: each log's writing transaction id (PostgreSQL).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.models import CurrentTransactionId

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if not _postgres():
        # Unused on SQLite, where the id is the position; kept so both schemas match the models.
        op.add_column("logs", _column(server_default=CurrentTransactionId()))
        return
    # Rows already stored keep NULL (a volatile default would rewrite the whole table): they
    # predate every tail cursor, so no resume ever reads them.
    op.add_column("logs", _column(server_default=None))
    op.alter_column("logs", "tx_id", server_default=CurrentTransactionId())
    op.create_index("ix_logs_tx_id", "logs", ["tx_id", "id"])


def downgrade() -> None:
    if _postgres():
        op.drop_index("ix_logs_tx_id", table_name="logs")
    op.drop_column("logs", "tx_id")


def _column(*, server_default: sa.ColumnElement[int] | None) -> sa.Column[int]:
    return sa.Column("tx_id", sa.BigInteger(), nullable=True, server_default=server_default)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"
