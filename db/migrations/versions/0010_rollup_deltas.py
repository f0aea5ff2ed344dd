"""PostgreSQL: writers append rollup deltas; a fold moves them into the rollups later.

0009's trigger upserted one minute row and one hour row per distinct bucket of every write. On
logs spread over days nearly every log opens its own buckets, so a COPY spent most of its
trigger time in ON CONFLICT upserts (index probe, speculative insert, non-HOT updates of hour
rows). Now the triggers only append the write's counts per (minute, level, service) to
`log_counts_delta`, a table with no key and no index: a plain INSERT … SELECT … GROUP BY, about
a tenth of that time (bench/HISTORY.md). Deletes append negative counts the same way.

Readers stay exact by summing rollup rows and delta rows in one statement (`db/rollups.py`), so
a fold committing between two reads changes nothing they see. `log_rollups_fold(max_deltas)`
deletes up to `max_deltas` deltas and upserts their sums into both rollups in one statement:
committed whole or not at all. It takes a transaction-level advisory lock without waiting and
returns NULL when another fold holds it, so any number of processes may call it; the DELETE's
row locks would keep a delta from being folded twice even without it. The app folds in the
background (`core/compactor.py`).

SQLite keeps its row triggers on the rollups; it gets the table too, always empty, so both
schemas match the models and readers run the same statements.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# pg_try_advisory_xact_lock's key: the ASCII bytes of "lgfold01" as one signed 64-bit number.
FOLD_LOCK_KEY = int.from_bytes(b"lgfold01", "big")
ORIGIN = "'2000-01-01 00:00:00+00'"  # date_bin from a UTC-aligned origin: plain arithmetic
APPEND = """
CREATE FUNCTION log_deltas_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO log_counts_delta (bucket, level, service, count)
  SELECT date_bin('1 minute', timestamp, {origin}), level, service, {sign}count(*)
  FROM {rows} GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;
"""
FOLD = f"""
CREATE FUNCTION log_rollups_fold(max_deltas integer) RETURNS bigint LANGUAGE plpgsql AS $$
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
  by_minute AS (
    INSERT INTO log_counts_minute AS c (bucket, level, service, count)
    SELECT * FROM minutes ORDER BY 1, 2, 3
    ON CONFLICT (bucket, level, service) DO UPDATE SET count = c.count + EXCLUDED.count
  ),
  by_hour AS (
    INSERT INTO log_counts AS c (bucket, level, service, count)
    SELECT date_bin('1 hour', bucket, {ORIGIN}), level, service, sum(count) FROM minutes
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (bucket, level, service) DO UPDATE SET count = c.count + EXCLUDED.count
  )
  SELECT count(*) INTO folded FROM taken;
  RETURN folded;
END $$;
"""
TRIGGERS = """
DROP TRIGGER logs_rollups_insert ON logs;
DROP TRIGGER logs_rollups_delete ON logs;
CREATE TRIGGER logs_rollups_insert AFTER INSERT ON logs REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION {insert}();
CREATE TRIGGER logs_rollups_delete AFTER DELETE ON logs REFERENCING OLD TABLE AS deleted
  FOR EACH STATEMENT EXECUTE FUNCTION {delete}();
"""


def upgrade() -> None:
    op.create_table(
        "log_counts_delta",
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(5), nullable=False),
        sa.Column("service", sa.String(100), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(APPEND.format(name="add", origin=ORIGIN, sign="", rows="inserted"))
    op.execute(APPEND.format(name="subtract", origin=ORIGIN, sign="-", rows="deleted"))
    op.execute(FOLD)
    op.execute(TRIGGERS.format(insert="log_deltas_add", delete="log_deltas_subtract"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # 0009's triggers first: their lock waits for writers in flight, so the fold after it
        # sees every delta there will be. The blocking lock waits out a running fold; the
        # function's own try-lock then succeeds in this same transaction.
        op.execute(TRIGGERS.format(insert="log_rollups_add", delete="log_rollups_subtract"))
        op.execute(f"SELECT pg_advisory_xact_lock({FOLD_LOCK_KEY})")
        op.execute("SELECT log_rollups_fold(NULL)")
        op.execute(
            "DROP FUNCTION log_deltas_add(), log_deltas_subtract(), log_rollups_fold(integer)"
        )
    op.drop_table("log_counts_delta")
