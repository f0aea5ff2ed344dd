"""Patterns (issue 26): the templates mined from the logs, which log has which, and the
miner's state and place, so that mining resumes where it stopped after a restart.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "patterns",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("service", sa.String(100), nullable=False),
        sa.Column("cluster_id", sa.BigInteger(), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("first_seen", INSTANT, nullable=False),
        sa.Column("last_seen", INSTANT, nullable=False),
        sa.UniqueConstraint("service", "cluster_id", name="uq_patterns_service_cluster"),
    )
    op.create_table(
        "log_patterns",
        sa.Column(
            "log_id",
            sa.BigInteger(),
            sa.ForeignKey("logs.id", ondelete="CASCADE", name="fk_log_patterns_log"),
            primary_key=True,
        ),
        sa.Column("pattern_id", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_log_patterns_pattern", "log_patterns", ["pattern_id", "log_id"])
    op.create_table(
        "pattern_miners",
        sa.Column("service", sa.String(100), primary_key=True),
        sa.Column("state", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "pattern_cursor",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("since", sa.Text(), nullable=False),
        sa.Column("upto", sa.Text(), nullable=False),
        sa.Column("after_tx", sa.BigInteger(), nullable=True),
        sa.Column("after_id", sa.BigInteger(), nullable=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("lease_until", INSTANT, nullable=False),
    )


def downgrade() -> None:
    for table in ("pattern_cursor", "pattern_miners", "log_patterns", "patterns"):
        op.drop_table(table)
