"""Per-minute log counts per level and service, kept by triggers, for minute histograms.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As log_counts (0003), one step finer: statement triggers on PostgreSQL, row triggers on SQLite.
PG_FUNCTIONS = """
CREATE FUNCTION log_counts_minute_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO log_counts_minute (bucket, level, service, count)
  SELECT date_trunc('minute', timestamp, 'UTC'), level, service, count(*)
  FROM inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (bucket, level, service)
  DO UPDATE SET count = log_counts_minute.count + EXCLUDED.count;
  RETURN NULL;
END $$;
CREATE FUNCTION log_counts_minute_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE log_counts_minute c SET count = c.count - d.count
  FROM (SELECT date_trunc('minute', timestamp, 'UTC') AS bucket, level, service, count(*) AS count
        FROM deleted GROUP BY 1, 2, 3) d
  WHERE c.bucket = d.bucket AND c.level = d.level AND c.service = d.service;
  RETURN NULL;
END $$;
CREATE TRIGGER logs_count_minute_insert AFTER INSERT ON logs REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION log_counts_minute_add();
CREATE TRIGGER logs_count_minute_delete AFTER DELETE ON logs REFERENCING OLD TABLE AS deleted
  FOR EACH STATEMENT EXECUTE FUNCTION log_counts_minute_subtract();
"""
PG_BACKFILL = """
INSERT INTO log_counts_minute (bucket, level, service, count)
SELECT date_trunc('minute', timestamp, 'UTC'), level, service, count(*) FROM logs GROUP BY 1, 2, 3
"""

# SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC; the minute and its colon are the first 17
# characters (a literal ':00' would read as a bind parameter).
SQLITE_BUCKET = "substr({row}.timestamp, 1, 17) || '00.000000'"
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER logs_count_minute_insert AFTER INSERT ON logs BEGIN
  INSERT INTO log_counts_minute (bucket, level, service, count)
  VALUES ({SQLITE_BUCKET.format(row="NEW")}, NEW.level, NEW.service, 1)
  ON CONFLICT (bucket, level, service) DO UPDATE SET count = count + 1;
END""",
    f"""CREATE TRIGGER logs_count_minute_delete AFTER DELETE ON logs BEGIN
  UPDATE log_counts_minute SET count = count - 1
  WHERE bucket = {SQLITE_BUCKET.format(row="OLD")} AND level = OLD.level
    AND service = OLD.service;
END""",
]
SQLITE_BACKFILL = f"""
INSERT INTO log_counts_minute (bucket, level, service, count)
SELECT {SQLITE_BUCKET.format(row="logs")}, level, service, count(*) FROM logs GROUP BY 1, 2, 3
"""


def upgrade() -> None:
    op.create_table(
        "log_counts_minute",
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(5), nullable=False),
        sa.Column("service", sa.String(100), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "level", "service", name="pk_log_counts_minute"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTIONS)
        op.execute(PG_BACKFILL)
        return
    for trigger in SQLITE_TRIGGERS:
        op.execute(trigger)
    op.execute(SQLITE_BACKFILL)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for trigger in ("logs_count_minute_insert", "logs_count_minute_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}" + (" ON logs" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS log_counts_minute_add(), log_counts_minute_subtract()")
    op.drop_table("log_counts_minute")
