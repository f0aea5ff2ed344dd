"""Alert rules over any filter (the filter a rule was given beside its level, service and
substring, as JSON in the GraphQL LogFilter's shape), and their conditions: ABOVE as before,
BELOW, and RATIO_ABOVE over a base filter.

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


COLUMNS = [
    sa.Column("filter", sa.Text(), nullable=True),
    sa.Column("condition", sa.String(16), nullable=False, server_default="ABOVE"),
    sa.Column("ratio", sa.Float(), nullable=True),
    sa.Column("base_filter", sa.Text(), nullable=True),
    sa.Column("min_base_count", sa.Integer(), nullable=False, server_default="1"),
]


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("alert_rules", column)


def downgrade() -> None:
    with op.batch_alter_table("alert_rules") as table:  # SQLite drops columns by copy
        for column in reversed(COLUMNS):
            table.drop_column(column.name)
