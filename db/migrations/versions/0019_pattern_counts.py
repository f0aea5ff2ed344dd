"""Per-minute log counts by pattern and level, so that pattern counts over a day read a few
thousand rows instead of every log (issue 26); kept exact as logs are deleted.

The miner adds to it in the transaction that stores its assignments (db/patterns.py). A log
deleted subtracts from it before the delete (a row trigger, which sees the log's assignment
before the delete path takes it away, db/forget.py); a dropped partition fires no trigger, and
retention forgets its minutes there. Backfilled from the assignments already stored.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_TRIGGER = """
CREATE FUNCTION pattern_counts_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE pattern_counts c SET count = c.count - 1
  FROM log_patterns a
  WHERE a.log_id = OLD.id AND c.pattern_id = a.pattern_id
    AND c.bucket = date_trunc('minute', OLD.timestamp, 'UTC') AND c.level = OLD.level;
  RETURN OLD;
END $$;
CREATE TRIGGER logs_pattern_counts_delete BEFORE DELETE ON logs
  FOR EACH ROW EXECUTE FUNCTION pattern_counts_subtract();
"""
PG_BACKFILL = """
INSERT INTO pattern_counts (pattern_id, bucket, level, count)
SELECT a.pattern_id, date_trunc('minute', l.timestamp, 'UTC'), l.level, count(*)
FROM log_patterns a JOIN logs l ON l.id = a.log_id GROUP BY 1, 2, 3
"""
# SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (as migration 0004 reads it). Its foreign
# keys are not enforced here, so the trigger takes the assignment away itself.
SQLITE_BUCKET = "substr({row}.timestamp, 1, 17) || '00.000000'"
SQLITE_TRIGGER = f"""CREATE TRIGGER logs_pattern_counts_delete BEFORE DELETE ON logs BEGIN
  UPDATE pattern_counts SET count = count - 1
  WHERE pattern_id = (SELECT pattern_id FROM log_patterns WHERE log_id = OLD.id)
    AND bucket = {SQLITE_BUCKET.format(row="OLD")} AND level = OLD.level;
  DELETE FROM log_patterns WHERE log_id = OLD.id;
END"""
SQLITE_BACKFILL = f"""
INSERT INTO pattern_counts (pattern_id, bucket, level, count)
SELECT a.pattern_id, {SQLITE_BUCKET.format(row="l")}, l.level, count(*)
FROM log_patterns a JOIN logs l ON l.id = a.log_id GROUP BY 1, 2, 3
"""


def upgrade() -> None:
    op.create_table(
        "pattern_counts",
        sa.Column("bucket", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("pattern_id", sa.BigInteger(), primary_key=True),
        sa.Column("level", sa.String(5), primary_key=True),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_pattern_counts_pattern", "pattern_counts", ["pattern_id", "bucket"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_TRIGGER)
        op.execute(PG_BACKFILL)
    else:
        op.execute(SQLITE_TRIGGER)
        op.execute(SQLITE_BACKFILL)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute(
        "DROP TRIGGER IF EXISTS logs_pattern_counts_delete" + (" ON logs" if postgres else "")
    )
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS pattern_counts_subtract()")
    op.drop_table("pattern_counts")
