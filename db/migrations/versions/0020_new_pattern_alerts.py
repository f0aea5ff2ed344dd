"""New-pattern alerts (issue 26): a rule kind that fires once per pattern first mined after the
rule was stored, and the pattern an alert of that kind carries in history.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "alert_rules",
        sa.Column("on_new_pattern", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "alerts", sa.Column("pattern", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True)
    )


def downgrade() -> None:
    for table_name, column in (("alerts", "pattern"), ("alert_rules", "on_new_pattern")):
        with op.batch_alter_table(table_name) as table:  # SQLite drops columns by copy
            table.drop_column(column)
