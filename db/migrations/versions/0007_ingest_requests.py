"""Idempotency-Key claims and answers of the ingest protocols.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ingest_requests",
        sa.Column("scope", sa.String(400), primary_key=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(100), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_ingest_requests_claimed_at", "ingest_requests", ["claimed_at"])


def downgrade() -> None:
    op.drop_index("ix_ingest_requests_claimed_at", table_name="ingest_requests")
    op.drop_table("ingest_requests")
