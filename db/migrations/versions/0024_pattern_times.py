"""Each pattern assignment keeps its log's timestamp, indexed after the pattern, so that a page
of a pattern's logs is read in time order from the assignments (db/pattern_pages.py) instead of
finding every log of the pattern to order them.

The timestamps are copied from `logs`; assignments whose log is gone (none should be: whoever
deletes logs deletes their assignments) go. The index replaces (pattern_id, log_id), whose
uses the new one serves as well. Mining and deleting logs wait meanwhile; writing logs does
not.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSTANT = sa.DateTime(timezone=True)
# PostgreSQL: the table is written anew, its indexes built after (updating every row in place
# would write each row and its index entries twice: several times slower).
REBUILD = [
    """CREATE TABLE log_patterns_timed (
        log_id bigint NOT NULL, pattern_id bigint NOT NULL, "timestamp" timestamptz NOT NULL)""",
    """INSERT INTO log_patterns_timed SELECT a.log_id, a.pattern_id, l."timestamp"
        FROM log_patterns AS a JOIN logs AS l ON l.id = a.log_id""",
    "DROP TABLE log_patterns",
    "ALTER TABLE log_patterns_timed RENAME TO log_patterns",
    "ALTER TABLE log_patterns ADD CONSTRAINT log_patterns_pkey PRIMARY KEY (log_id)",
    'CREATE INDEX ix_log_patterns_pattern_time ON log_patterns (pattern_id, "timestamp", log_id)',
]
# SQLite: the column added and filled, then made NOT NULL by remaking the table, which the
# triggers naming it refuse: they are dropped meanwhile and made again as they were.
FILL = """UPDATE log_patterns SET "timestamp" = (
    SELECT logs."timestamp" FROM logs WHERE logs.id = log_patterns.log_id)"""
SQLITE_TRIGGERS = """SELECT name, sql FROM sqlite_master
    WHERE type = 'trigger' AND sql LIKE '%log_patterns%'"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in REBUILD:
            op.execute(statement)
        return
    op.add_column("log_patterns", sa.Column("timestamp", INSTANT, nullable=True))
    op.execute(FILL)
    op.execute('DELETE FROM log_patterns WHERE "timestamp" IS NULL')
    triggers = bind.execute(sa.text(SQLITE_TRIGGERS)).all()
    for name, _ in triggers:
        op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("log_patterns") as table:
        table.alter_column("timestamp", existing_type=INSTANT, nullable=False)
    for _, sql in triggers:
        op.execute(sql)
    op.drop_index("ix_log_patterns_pattern", table_name="log_patterns")
    op.create_index(
        "ix_log_patterns_pattern_time", "log_patterns", ["pattern_id", "timestamp", "log_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_log_patterns_pattern_time", table_name="log_patterns")
    op.create_index("ix_log_patterns_pattern", "log_patterns", ["pattern_id", "log_id"])
    op.drop_column("log_patterns", "timestamp")
