"""The pattern benchmark's data: mixed realistic messages, and millions of logs with patterns.

Messages come from the search benchmark's corpus (bench/corpus.py): ~25 templates over a
vocabulary of functions, hosts, paths, statuses, numbers, hex ids and addresses, in ~20
services. The large fill COPYs that corpus, then gives every log a pattern in SQL (digits and
hex ids masked, per service) rather than through the miner, which would take an hour at
10,000,000 logs on this machine: the reads measured depend on how many patterns and rollup
rows there are, not on who assigned them, and SQL masking finds more patterns than Drain (it
merges no words), so the reads have more rows to go through, not fewer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import closing
from datetime import datetime, timedelta
from typing import Any

import orjson

from bench.corpus import Chunk, chunk_text, load
from testing.database import ScratchDatabase
from testing.partitions import partitions_for

MASKED = (
    r"regexp_replace(regexp_replace(message, '[0-9a-f]{8,}', '<HEX>', 'g'), '[0-9]+', '<NUM>', 'g')"
)
# Text and metadata search indexes: no read measured here uses them, and building them at
# 10,000,000 logs takes most of the fill's time on this machine.
UNUSED_INDEXES = ("ix_logs_message_trgm", "ix_logs_metadata")
ASSIGN = [
    f"""CREATE UNLOGGED TABLE bench_masked AS
        SELECT id, timestamp, level, service, {MASKED} AS template FROM logs""",
    """INSERT INTO patterns (service, cluster_id, template, first_seen, last_seen)
       SELECT service, row_number() OVER (PARTITION BY service), template,
              min(timestamp), max(timestamp)
       FROM bench_masked GROUP BY service, template""",
    # Every log exists: its foreign key need not be checked row by row.
    "SET session_replication_role = replica",
    """INSERT INTO log_patterns (log_id, pattern_id, "timestamp")
       SELECT m.id, p.id, m.timestamp
       FROM bench_masked m JOIN patterns p USING (service, template)""",
    "SET session_replication_role = DEFAULT",
    """INSERT INTO pattern_counts (pattern_id, bucket, level, count)
       SELECT p.id, date_trunc('minute', m.timestamp, 'UTC'), m.level, count(*)
       FROM bench_masked m JOIN patterns p USING (service, template) GROUP BY 1, 2, 3""",
    """INSERT INTO pattern_counts_hourly (pattern_id, bucket, level, count)
       SELECT pattern_id, date_trunc('hour', bucket, 'UTC'), level, sum(count)
       FROM pattern_counts GROUP BY 1, 2, 3""",
    "DROP TABLE bench_masked",
    "VACUUM (ANALYZE) patterns",
    "VACUUM (ANALYZE) log_patterns",
    "VACUUM (ANALYZE) pattern_counts",
    "VACUUM (ANALYZE) pattern_counts_hourly",
]


def corpus_records(
    count: int, *, start: datetime, end: datetime, seed: int
) -> list[dict[str, Any]]:
    """`count` corpus logs over [start, end), oldest first, in GraphQL `LogInput` shape."""
    chunk = Chunk(1, count, start.timestamp(), end.timestamp(), seed)
    records = []
    for line in chunk_text(chunk).splitlines():
        _id, stamp, level, service, message, metadata = line.split("\t")
        records.append(
            {
                "timestamp": stamp.replace(" ", "T").replace("+00", "+00:00"),
                "level": level,
                "service": service,
                "message": message,
                "metadata": orjson.loads(metadata),
            }
        )
    return records


def fill_with_patterns(
    database: ScratchDatabase, *, rows: int, end: datetime, progress: Callable[[str], None]
) -> float:
    """COPY `rows` corpus logs over the day before `end`, then give each a pattern; seconds."""
    started = time.perf_counter()
    partitions_for(database.sqlalchemy_url, end - timedelta(days=1), end)
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        for index in UNUSED_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {index}")
        connection.commit()
    load(
        database.dsn,
        rows,
        end - timedelta(days=1),
        end,
        processes=2,
        rebuild_indexes=True,
        progress=progress,
    )
    progress(f"  loaded in {time.perf_counter() - started:.0f} s; assigning patterns in SQL")
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        connection.autocommit = True
        for statement in ASSIGN:
            cursor.execute(statement)
    return time.perf_counter() - started


def pattern_sizes(database: ScratchDatabase, since: datetime) -> list[tuple[int, int]]:
    """(pattern id, its logs since `since`), most logs first."""
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT pattern_id, sum(count) FROM pattern_counts WHERE bucket >= %s"
            " GROUP BY pattern_id ORDER BY 2 DESC, 1",
            (since,),
        )
        return [(int(n), int(count)) for n, count in cursor.fetchall()]
