"""Idempotency-Key claims name their holder, so that a holder whose lease lapsed cannot answer,
renew or release the claim a retry took after it.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ingest_requests", sa.Column("holder", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ingest_requests") as table:  # SQLite drops columns by copy
        table.drop_column("holder")
