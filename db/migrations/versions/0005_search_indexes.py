"""GIN indexes on PostgreSQL: metadata (jsonb_path_ops) and message trigrams (pg_trgm).

The trigram index needs the pg_trgm extension. Where it cannot be created (no CREATE privilege
on the database, extension not installed), the upgrade goes on without that index: text filters
then scan, and the app says so once at each start (db.search_indexes).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from alembic import op
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger("lograph.migrations")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_logs_metadata",
        "logs",
        ["metadata"],
        postgresql_using="gin",
        postgresql_ops={"metadata": "jsonb_path_ops"},
    )
    if _trigram_extension():
        op.create_index(
            "ix_logs_message_trgm",
            "logs",
            ["message"],
            postgresql_using="gin",
            postgresql_ops={"message": "gin_trgm_ops"},
        )


def _trigram_extension() -> bool:
    """Create pg_trgm in a savepoint, so a refusal leaves the rest of the upgrade intact."""
    if op.get_context().as_sql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        return True
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except DBAPIError as exc:
        logger.warning("pg_trgm cannot be created, text filters will scan: %s", exc.orig)
        return False
    return True


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_logs_message_trgm", table_name="logs", if_exists=True)
    op.drop_index("ix_logs_metadata", table_name="logs")
