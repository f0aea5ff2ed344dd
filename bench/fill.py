"""Database-side work done straight over psycopg2: the COPY ceiling and the 1M-row fill."""

from __future__ import annotations

import io
import time
from contextlib import closing

from bench.data import LogFactory, Window, copy_buffer
from testing.database import ScratchDatabase
from testing.partitions import partitions_for

COLUMNS = "(id, timestamp, level, service, message, metadata)"
CEILING_TABLE = "bench_copy_ceiling"
FILL_CHUNK_ROWS = 100_000
FILL_SEED = 1000


def copy_ceiling(
    database: ScratchDatabase, factory: LogFactory, *, rows: int, repeats: int
) -> list[float]:
    """Rows/s of raw COPY into a fresh table shaped like `logs` (columns, checks, indexes)."""
    text = copy_buffer(factory.records(rows), first_id=1).getvalue()
    rates: list[float] = []
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {CEILING_TABLE} (LIKE logs INCLUDING ALL)")
        connection.commit()
        for _ in range(repeats):
            cursor.execute(f"TRUNCATE {CEILING_TABLE}")
            connection.commit()
            started = time.perf_counter()
            cursor.copy_expert(f"COPY {CEILING_TABLE} {COLUMNS} FROM STDIN", io.StringIO(text))
            connection.commit()
            rates.append(rows / (time.perf_counter() - started))
        cursor.execute(f"DROP TABLE {CEILING_TABLE}")
        connection.commit()
    return rates


def fill_logs(database: ScratchDatabase, window: Window, *, total_rows: int) -> int:
    """COPY synthetic logs until `logs` holds `total_rows`, then fix the id sequence and analyse.

    Rows go in oldest first, spread over `window`, as a log store receives them, into the
    partitions the app would have created for them.
    """
    if _partitioned(database):  # not before migration 0017
        partitions_for(database.sqlalchemy_url, window.start, window.end)
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*), coalesce(max(id), 0) FROM logs")
        existing, last_id = (int(value) for value in cursor.fetchone())
        missing = max(total_rows - existing, 0)
        chunks = max(1, -(-missing // FILL_CHUNK_ROWS))
        next_id = last_id + 1
        for index, part in enumerate(window.slices(chunks)):
            count = missing * (index + 1) // chunks - missing * index // chunks
            records = LogFactory(part, seed=FILL_SEED + index).records(count, in_time_order=True)
            cursor.copy_expert(
                f"COPY logs {COLUMNS} FROM STDIN", copy_buffer(records, first_id=next_id)
            )
            connection.commit()
            next_id += count
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('logs', 'id'), (SELECT max(id) FROM logs))"
        )
        connection.commit()
        # What autovacuum would have done by now: statistics, hint bits and the visibility map.
        connection.autocommit = True
        cursor.execute("VACUUM (ANALYZE) logs")
    return missing


def partition_count(database: ScratchDatabase) -> int:
    """How many partitions `logs` has: 0 when it is one table."""
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'logs'::regclass")
        return int(cursor.fetchone()[0])


def _partitioned(database: ScratchDatabase) -> bool:
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'logs'::regclass")
        return bool(cursor.fetchone()[0] == "p")
