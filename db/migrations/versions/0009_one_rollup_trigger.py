"""PostgreSQL: one statement trigger keeps both rollups, reading the changed rows once.

0003 and 0004 each scanned the transition table and truncated every timestamp in a time zone.
Here the rows are grouped once by minute (`date_bin` from a UTC-aligned origin is plain
arithmetic and equals `date_trunc(.., 'UTC')`), and the hours are summed from those minutes.
Upserts stay sorted, so concurrent writers lock buckets in the same order. The old functions
are left in place for the downgrade; SQLite keeps its row triggers.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MINUTES = """
  SELECT date_bin('1 minute', timestamp, '2000-01-01 00:00:00+00') AS bucket, level, service,
         count(*) AS count
  FROM {rows} GROUP BY 1, 2, 3
"""
HOURS = """
  SELECT date_bin('1 hour', bucket, '2000-01-01 00:00:00+00') AS bucket, level, service,
         sum(count) AS count
  FROM minutes GROUP BY 1, 2, 3
"""
PG_FUNCTIONS = f"""
CREATE FUNCTION log_rollups_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH minutes AS ({MINUTES.format(rows="inserted")}),
  by_minute AS (
    INSERT INTO log_counts_minute AS c (bucket, level, service, count)
    SELECT * FROM minutes ORDER BY 1, 2, 3
    ON CONFLICT (bucket, level, service) DO UPDATE SET count = c.count + EXCLUDED.count
  )
  INSERT INTO log_counts AS c (bucket, level, service, count)
  SELECT * FROM ({HOURS}) AS hours ORDER BY 1, 2, 3
  ON CONFLICT (bucket, level, service) DO UPDATE SET count = c.count + EXCLUDED.count;
  RETURN NULL;
END $$;
CREATE FUNCTION log_rollups_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH minutes AS ({MINUTES.format(rows="deleted")}),
  by_minute AS (
    UPDATE log_counts_minute c SET count = c.count - m.count FROM minutes m
    WHERE c.bucket = m.bucket AND c.level = m.level AND c.service = m.service
  )
  UPDATE log_counts c SET count = c.count - h.count FROM ({HOURS}) AS h
  WHERE c.bucket = h.bucket AND c.level = h.level AND c.service = h.service;
  RETURN NULL;
END $$;
DROP TRIGGER logs_count_insert ON logs;
DROP TRIGGER logs_count_minute_insert ON logs;
DROP TRIGGER logs_count_delete ON logs;
DROP TRIGGER logs_count_minute_delete ON logs;
CREATE TRIGGER logs_rollups_insert AFTER INSERT ON logs REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION log_rollups_add();
CREATE TRIGGER logs_rollups_delete AFTER DELETE ON logs REFERENCING OLD TABLE AS deleted
  FOR EACH STATEMENT EXECUTE FUNCTION log_rollups_subtract();
"""
# 0003's and 0004's triggers, on the functions this upgrade left in place.
PG_RESTORE = """
DROP TRIGGER logs_rollups_insert ON logs;
DROP TRIGGER logs_rollups_delete ON logs;
DROP FUNCTION log_rollups_add(), log_rollups_subtract();
CREATE TRIGGER logs_count_insert AFTER INSERT ON logs REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION log_counts_add();
CREATE TRIGGER logs_count_delete AFTER DELETE ON logs REFERENCING OLD TABLE AS deleted
  FOR EACH STATEMENT EXECUTE FUNCTION log_counts_subtract();
CREATE TRIGGER logs_count_minute_insert AFTER INSERT ON logs REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION log_counts_minute_add();
CREATE TRIGGER logs_count_minute_delete AFTER DELETE ON logs REFERENCING OLD TABLE AS deleted
  FOR EACH STATEMENT EXECUTE FUNCTION log_counts_minute_subtract();
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTIONS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_RESTORE)
