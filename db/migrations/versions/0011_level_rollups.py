"""Rollups per (bucket, level) alone, hourly and per minute, for histograms of every service.

A histogram without a service condition summed the per-service rollups: a day by the minute
read 90,000 rows of `log_counts_minute` at 10M logs over 20 services, and PostgreSQL's grouping
of them was most of the request. Without the service, the same day is 8,640 rows.

PostgreSQL: writers still only append deltas per (minute, level, service) (0010); the fold now
also upserts their sums per (minute, level) and (hour, level). The upgrade takes the fold's
lock (waiting out a running fold), replaces the fold and fills the new tables from the per-
service rollups in one transaction, so every delta is folded into them exactly once: the ones
folded before from the backfill, the rest by the new fold.

SQLite gets the tables, always empty, so both schemas match the models, and its histograms sum
the per-service rollups as before: keeping these too with row triggers cost about a quarter
of its write rate (bench/HISTORY.md).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

from __future__ import annotations

import runpy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# pg_try_advisory_xact_lock's key in 0010's fold: the ASCII bytes of "lgfold01".
FOLD_LOCK_KEY = int.from_bytes(b"lgfold01", "big")
ORIGIN = "'2000-01-01 00:00:00+00'"
# Each new table and the per-service rollup it sums.
TABLES = {"log_level_counts_minute": "log_counts_minute", "log_level_counts": "log_counts"}
FOLD = f"""
CREATE OR REPLACE FUNCTION log_rollups_fold(max_deltas integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  folded bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock({FOLD_LOCK_KEY}) THEN
    RETURN NULL;
  END IF;
  WITH taken AS (
    DELETE FROM log_counts_delta
    WHERE ctid = ANY (ARRAY(SELECT ctid FROM log_counts_delta LIMIT max_deltas))
    RETURNING bucket, level, service, count
  ),
  minutes AS (
    SELECT bucket, level, service, sum(count) AS count FROM taken
    GROUP BY 1, 2, 3 HAVING sum(count) <> 0
  ),
  hours AS (
    SELECT date_bin('1 hour', bucket, {ORIGIN}) AS bucket, level, service, sum(count) AS count
    FROM minutes GROUP BY 1, 2, 3
  ),
  by_minute AS (
    INSERT INTO log_counts_minute AS c (bucket, level, service, count)
    SELECT * FROM minutes ORDER BY 1, 2, 3
    ON CONFLICT (bucket, level, service) DO UPDATE SET count = c.count + EXCLUDED.count
  ),
  by_hour AS (
    INSERT INTO log_counts AS c (bucket, level, service, count)
    SELECT * FROM hours ORDER BY 1, 2, 3
    ON CONFLICT (bucket, level, service) DO UPDATE SET count = c.count + EXCLUDED.count
  ),
  by_level_minute AS (
    INSERT INTO log_level_counts_minute AS c (bucket, level, count)
    SELECT bucket, level, sum(count) FROM minutes GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (bucket, level) DO UPDATE SET count = c.count + EXCLUDED.count
  ),
  by_level_hour AS (
    INSERT INTO log_level_counts AS c (bucket, level, count)
    SELECT bucket, level, sum(count) FROM hours GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (bucket, level) DO UPDATE SET count = c.count + EXCLUDED.count
  )
  SELECT count(*) INTO folded FROM taken;
  RETURN folded;
END $$;
"""
BACKFILL = """
INSERT INTO {table} (bucket, level, count)
SELECT bucket, level, sum(count) FROM {source} GROUP BY 1, 2
"""


def upgrade() -> None:
    for table in TABLES:
        op.create_table(
            table,
            sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
            sa.Column("level", sa.String(5), nullable=False),
            sa.Column("count", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("bucket", "level", name=f"pk_{table}"),
        )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"SELECT pg_advisory_xact_lock({FOLD_LOCK_KEY})")
    op.execute(FOLD)
    for table, source in TABLES.items():
        op.execute(BACKFILL.format(table=table, source=source))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"SELECT pg_advisory_xact_lock({FOLD_LOCK_KEY})")
        op.execute("DROP FUNCTION log_rollups_fold(integer)")
        op.execute(_revision("0010_rollup_deltas.py")["FOLD"])
    for table in TABLES:
        op.drop_table(table)


def _revision(file_name: str) -> dict[str, Any]:
    """An earlier revision's names, for the statements it made (revisions are not a package)."""
    return runpy.run_path(str(Path(__file__).with_name(file_name)))
