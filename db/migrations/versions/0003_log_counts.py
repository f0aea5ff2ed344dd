"""Hourly log counts per level and service, kept by triggers, so stats need no full scan.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL: statement triggers see every inserted or deleted row at once (COPY too).
# Buckets are sorted before the upsert so concurrent writers lock them in the same order.
PG_FUNCTIONS = """
CREATE FUNCTION log_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO log_counts (bucket, level, service, count)
  SELECT date_trunc('hour', timestamp, 'UTC'), level, service, count(*)
  FROM inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (bucket, level, service) DO UPDATE SET count = log_counts.count + EXCLUDED.count;
  RETURN NULL;
END $$;
CREATE FUNCTION log_counts_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE log_counts c SET count = c.count - d.count
  FROM (SELECT date_trunc('hour', timestamp, 'UTC') AS bucket, level, service, count(*) AS count
        FROM deleted GROUP BY 1, 2, 3) d
  WHERE c.bucket = d.bucket AND c.level = d.level AND c.service = d.service;
  RETURN NULL;
END $$;
CREATE TRIGGER logs_count_insert AFTER INSERT ON logs REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION log_counts_add();
CREATE TRIGGER logs_count_delete AFTER DELETE ON logs REFERENCING OLD TABLE AS deleted
  FOR EACH STATEMENT EXECUTE FUNCTION log_counts_subtract();
"""
PG_BACKFILL = """
INSERT INTO log_counts (bucket, level, service, count)
SELECT date_trunc('hour', timestamp, 'UTC'), level, service, count(*) FROM logs GROUP BY 1, 2, 3
"""

# SQLite stores timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC; the hour is its first 13 chars.
SQLITE_BUCKET = "substr({row}.timestamp, 1, 13) || ':00:00.000000'"
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER logs_count_insert AFTER INSERT ON logs BEGIN
  INSERT INTO log_counts (bucket, level, service, count)
  VALUES ({SQLITE_BUCKET.format(row="NEW")}, NEW.level, NEW.service, 1)
  ON CONFLICT (bucket, level, service) DO UPDATE SET count = count + 1;
END""",
    f"""CREATE TRIGGER logs_count_delete AFTER DELETE ON logs BEGIN
  UPDATE log_counts SET count = count - 1
  WHERE bucket = {SQLITE_BUCKET.format(row="OLD")} AND level = OLD.level
    AND service = OLD.service;
END""",
]
SQLITE_BACKFILL = f"""
INSERT INTO log_counts (bucket, level, service, count)
SELECT {SQLITE_BUCKET.format(row="logs")}, level, service, count(*) FROM logs GROUP BY 1, 2, 3
"""


def upgrade() -> None:
    op.create_table(
        "log_counts",
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(5), nullable=False),
        sa.Column("service", sa.String(100), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "level", "service", name="pk_log_counts"),
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
    for trigger in ("logs_count_insert", "logs_count_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}" + (" ON logs" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS log_counts_add(), log_counts_subtract()")
    op.drop_table("log_counts")
