"""Alert rules over any filter: the filter a rule was given beside its level, service and
substring, as JSON in the GraphQL LogFilter's shape.

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


def upgrade() -> None:
    op.add_column("alert_rules", sa.Column("filter", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_rules") as table:  # SQLite drops columns by copy
        table.drop_column("filter")
