"""Hourly log counts by pattern and level beside the per-minute ones, so that pattern counts
over a day read about 24 rows per pattern instead of 1,440 (issue 26).

Kept exact as the per-minute rollup is: the miner adds to both in the transaction that stores
its assignments, the delete trigger (migration 0019, replaced here) subtracts a deleted log
from both, and retention forgets both for a dropped partition (db/forget.COUNTED_BY_TIME).
Backfilled from the per-minute rollup.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION pattern_counts_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  chosen bigint;
BEGIN
  SELECT pattern_id INTO chosen FROM log_patterns WHERE log_id = OLD.id;
  IF FOUND THEN
    UPDATE pattern_counts SET count = count - 1
    WHERE pattern_id = chosen AND level = OLD.level
      AND bucket = date_trunc('minute', OLD.timestamp, 'UTC');
    {hourly}
  END IF;
  RETURN OLD;
END $$;
"""
PG_HOURLY = """UPDATE pattern_counts_hourly SET count = count - 1
    WHERE pattern_id = chosen AND level = OLD.level
      AND bucket = date_trunc('hour', OLD.timestamp, 'UTC');"""
PG_BACKFILL = """
INSERT INTO pattern_counts_hourly (pattern_id, bucket, level, count)
SELECT pattern_id, date_trunc('hour', bucket, 'UTC'), level, sum(count)
FROM pattern_counts GROUP BY 1, 2, 3
"""
# SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (as migration 0019 reads it).
SQLITE_MINUTE = "substr(OLD.timestamp, 1, 17) || '00.000000'"
SQLITE_HOUR = "substr(OLD.timestamp, 1, 14) || '00:00.000000'"
SQLITE_SUBTRACT = """UPDATE {table} SET count = count - 1
  WHERE pattern_id = (SELECT pattern_id FROM log_patterns WHERE log_id = OLD.id)
    AND bucket = {bucket} AND level = OLD.level;"""
SQLITE_TRIGGER = """CREATE TRIGGER logs_pattern_counts_delete BEFORE DELETE ON logs BEGIN
  {subtract}
  DELETE FROM log_patterns WHERE log_id = OLD.id;
END"""
SQLITE_BACKFILL = """
INSERT INTO pattern_counts_hourly (pattern_id, bucket, level, count)
SELECT pattern_id, substr(bucket, 1, 14) || '00:00.000000', level, sum(count)
FROM pattern_counts GROUP BY 1, 2, 3
"""


def _sqlite_trigger(hourly: bool) -> str:
    subtract = [SQLITE_SUBTRACT.format(table="pattern_counts", bucket=SQLITE_MINUTE)]
    if hourly:
        subtract.append(SQLITE_SUBTRACT.format(table="pattern_counts_hourly", bucket=SQLITE_HOUR))
    return SQLITE_TRIGGER.format(subtract="\n  ".join(subtract))


def upgrade() -> None:
    op.create_table(
        "pattern_counts_hourly",
        sa.Column("bucket", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("pattern_id", sa.BigInteger(), primary_key=True),
        sa.Column("level", sa.String(5), primary_key=True),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_pattern_counts_hourly_pattern", "pattern_counts_hourly", ["pattern_id", "bucket"]
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION.format(hourly=PG_HOURLY))
        op.execute(PG_BACKFILL)
    else:
        op.execute("DROP TRIGGER logs_pattern_counts_delete")
        op.execute(_sqlite_trigger(hourly=True))
        op.execute(SQLITE_BACKFILL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION.format(hourly=""))
    else:
        op.execute("DROP TRIGGER logs_pattern_counts_delete")
        op.execute(_sqlite_trigger(hourly=False))
    op.drop_table("pattern_counts_hourly")
