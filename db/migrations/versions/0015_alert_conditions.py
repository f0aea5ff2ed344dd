"""Alert rules over any filter (the filter a rule was given beside its level, service and
substring, as JSON in the GraphQL LogFilter's shape), and their conditions: ABOVE as before,
BELOW, and RATIO_ABOVE over a base filter; alerts that open and close: a rule's lifecycle and
forSeconds, each history row's state, times, fingerprint and labels, and the current state of
each instance (of each group, with groupBy).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


COLUMNS = [
    sa.Column("filter", sa.Text(), nullable=True),
    sa.Column("condition", sa.String(16), nullable=False, server_default="ABOVE"),
    sa.Column("ratio", sa.Float(), nullable=True),
    sa.Column("base_filter", sa.Text(), nullable=True),
    sa.Column("min_base_count", sa.Integer(), nullable=False, server_default="1"),
    sa.Column("lifecycle", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("for_seconds", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("group_by", sa.Text(), nullable=True),
]
HISTORY_COLUMNS = [
    sa.Column("state", sa.String(8), nullable=False, server_default="FIRING"),
    sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("fingerprint", sa.String(16), nullable=True),
    sa.Column("labels", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True),
]


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("alert_rules", column)
    for column in HISTORY_COLUMNS:
        op.add_column("alerts", column)
    op.create_table(
        "alert_instances",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("fingerprint", sa.String(16), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=False),
        sa.UniqueConstraint("rule", "fingerprint", name="uq_alert_instances_rule_fingerprint"),
    )


def downgrade() -> None:
    op.drop_table("alert_instances")
    for table_name, columns in (("alerts", HISTORY_COLUMNS), ("alert_rules", COLUMNS)):
        with op.batch_alter_table(table_name) as table:  # SQLite drops columns by copy
            for column in reversed(columns):
                table.drop_column(column.name)
