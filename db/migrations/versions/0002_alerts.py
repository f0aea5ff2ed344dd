"""Alert rules, the marker that they were seeded, and the history of fired alerts.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INDEXES = {
    "ix_alerts_fired_at": ["fired_at", "id"],
    "ix_alerts_rule_fired_at": ["rule", "fired_at", "id"],
}


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("level", sa.String(5), nullable=True),
        sa.Column("min_level", sa.String(5), nullable=True),
        sa.Column("service", sa.String(100), nullable=True),
        sa.Column("message_contains", sa.Text(), nullable=True),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("window_seconds", sa.Integer(), nullable=False),
        sa.Column("cooldown_seconds", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("name", name="uq_alert_rules_name"),
    )
    op.create_table(
        "alert_rules_seeded",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seeded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("window_seconds", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(5), nullable=True),
        sa.Column("service", sa.String(100), nullable=True),
        sa.Column("samples", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "alerts", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("alert_rules_seeded")
    op.drop_table("alert_rules")
