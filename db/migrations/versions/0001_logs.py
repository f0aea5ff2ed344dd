"""The logs table: create it, or upgrade the predecessor's table in place on PostgreSQL.

Revision ID: 0001
Revises:
Create Date: 2025-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from db.levels import ALIASES, Level

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CANONICAL = [level.value for level in Level]
# Every spelling parse_level accepts (after upper-casing), mapped to the stored name.
KNOWN = {name: name for name in CANONICAL} | {
    alias: level.value for alias, level in ALIASES.items()
}
CANONICAL_LIST = ", ".join(f"'{name}'" for name in CANONICAL)
LEVEL_CHECK = f"level IN ({CANONICAL_LIST})"
INDEXES = {
    "ix_logs_timestamp": ["timestamp", "id"],
    "ix_logs_service_timestamp": ["service", "timestamp", "id"],
    "ix_logs_level_timestamp": ["level", "timestamp", "id"],
}


def upgrade() -> None:
    bind = op.get_bind()
    # `alembic upgrade --sql` cannot look at the database, so it scripts a fresh one.
    if op.get_context().as_sql or not sa.inspect(bind).has_table("logs"):
        create_logs()
    elif is_legacy(sa.inspect(bind)) and bind.dialect.name == "postgresql":
        upgrade_legacy_logs()
    else:
        raise RuntimeError(
            "a `logs` table exists but is neither lograph's nor the predecessor's PostgreSQL one; "
            "refusing to touch it"
        )
    for name, columns in INDEXES.items():
        op.create_index(name, "logs", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="logs")
    op.drop_table("logs")


def is_legacy(inspector: sa.Inspector) -> bool:
    """The predecessor's create_all named the JSON column `metadata_`."""
    return "metadata_" in {column["name"] for column in inspector.get_columns("logs")}


def create_logs() -> None:
    # BIGSERIAL (sequence logs_id_seq) on PostgreSQL; a rowid alias on SQLite.
    op.create_table(
        "logs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(5), nullable=False),
        sa.Column("service", sa.String(100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("metadata", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True),
        sa.CheckConstraint(LEVEL_CHECK, name="ck_logs_level"),
    )


def upgrade_legacy_logs() -> None:
    # Alembic runs this whole revision in one transaction: all of it lands or none.
    op.execute(NORMALISE_LEGACY_ROWS)
    op.execute("DROP INDEX IF EXISTS ix_logs_id")
    # One ALTER TABLE, so PostgreSQL rewrites the table (and checks the constraint) once.
    op.execute(
        f"""
        ALTER TABLE logs
            ALTER COLUMN id TYPE bigint,
            ALTER COLUMN level TYPE varchar(5),
            ALTER COLUMN service TYPE varchar(100),
            ALTER COLUMN message TYPE text,
            ALTER COLUMN metadata_ TYPE jsonb USING metadata_::jsonb,
            ALTER COLUMN "timestamp" DROP DEFAULT,
            ALTER COLUMN "timestamp" SET NOT NULL,
            ADD CONSTRAINT ck_logs_level CHECK ({LEVEL_CHECK})
        """
    )
    op.execute("ALTER TABLE logs RENAME COLUMN metadata_ TO metadata")
    # AS bigint keeps the sequence's position and lifts its maximum to the bigint one.
    op.execute("ALTER SEQUENCE logs_id_seq AS bigint")


def _canonical_level_sql() -> str:
    """The stored name for a legacy level the way parse_level reads it, or NULL if unknown."""
    whens = " ".join(f"WHEN '{name}' THEN '{stored}'" for name, stored in KNOWN.items())
    # Strip ASCII whitespace like str.strip(); PostgreSQL spells \v as \x0b.
    return f"CASE upper(btrim(level, E' \\t\\n\\r\\f\\x0b')) {whens} END"


# One set-based UPDATE over the rows that need it. Unknown levels become INFO and keep the
# original string in metadata.legacy_level; metadata that is not an object (or already has a
# legacy_level) is wrapped as legacy_metadata, so nothing is lost.
NORMALISE_LEGACY_ROWS = f"""
UPDATE logs SET
    level = COALESCE({_canonical_level_sql()}, '{Level.INFO.value}'),
    metadata_ = CASE
        WHEN {_canonical_level_sql()} IS NOT NULL THEN metadata_
        WHEN metadata_ IS NULL THEN json_build_object('legacy_level', level)
        WHEN json_typeof(metadata_) = 'object' AND (metadata_::jsonb -> 'legacy_level') IS NULL
            THEN (metadata_::jsonb || jsonb_build_object('legacy_level', level))::json
        ELSE json_build_object('legacy_metadata', metadata_, 'legacy_level', level)
    END,
    "timestamp" = COALESCE("timestamp", now())
WHERE level NOT IN ({CANONICAL_LIST}) OR "timestamp" IS NULL
"""
