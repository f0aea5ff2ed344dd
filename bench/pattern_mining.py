"""Mining measured: a server's miner catching up on a backlog, and drain3 alone in process."""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from drain3 import TemplateMiner

from bench.corpus import Chunk, chunk_text, copy_chunks
from bench.cpu import tree_cpu_seconds
from bench.pattern_serving import server
from testing.database import ScratchDatabase
from testing.partitions import partitions_for

CHUNK = 100_000
LIVE_RATE = 10_000  # logs/s the backlog is stamped at


def chunks(rows: int, *, end: datetime, seed: int) -> list[Chunk]:
    """`rows` corpus logs stamped as if written at LIVE_RATE until `end`."""
    start = (end - timedelta(seconds=rows / LIVE_RATE)).timestamp()
    return [
        Chunk(1 + n, min(CHUNK, rows - n), start, end.timestamp(), seed + n)
        for n in range(0, rows, CHUNK)
    ]


def messages(planned: list[Chunk]) -> list[str]:
    """The messages of the planned logs, as COPY writes them."""
    return [line.split("\t", 5)[4] for chunk in planned for line in chunk_text(chunk).splitlines()]


def by_drain3(lines: list[str]) -> tuple[int, float]:
    """drain3's TemplateMiner with its default configuration (one miner, no masking): the
    patterns it finds, and logs per CPU second."""
    miner = TemplateMiner()
    started = time.process_time()
    for message in lines:
        miner.add_log_message(message)
    return len(miner.drain.clusters), len(lines) / (time.process_time() - started)


@dataclass(frozen=True, slots=True)
class Backlog:
    """A server's miner catching up on logs written while none mined."""

    logs: int
    seconds: float
    cpu_seconds: float  # the server and its miner process (PostgreSQL not counted)
    patterns: int


def mine_backlog(database: ScratchDatabase, planned: list[Chunk]) -> Backlog:
    """COPY the planned logs, then start a server that mines (its miner process: one core at
    most) and time it until every log has its pattern."""
    start = datetime.fromtimestamp(min(one.start for one in planned), UTC)
    partitions_for(database.sqlalchemy_url, start, datetime.fromtimestamp(planned[-1].end, UTC))
    for _count in copy_chunks(database.dsn, planned, processes=1):
        pass
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('logs', 'id'), max(id)) FROM logs")
        cursor.execute("ANALYZE logs")
        connection.commit()
    with server(database, mining=True) as running:
        cpu, wall = tree_cpu_seconds(running.pid), time.perf_counter()
        _wait_for_assignments(database, sum(chunk.count for chunk in planned))
        seconds = time.perf_counter() - wall
        cpu = tree_cpu_seconds(running.pid) - cpu
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM patterns")
        (patterns,) = cursor.fetchone()
    return Backlog(sum(chunk.count for chunk in planned), seconds, cpu, int(patterns))


def _wait_for_assignments(database: ScratchDatabase, logs: int) -> None:
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        connection.autocommit = True
        while True:
            cursor.execute("SELECT count(*) FROM log_patterns")
            if cursor.fetchone()[0] >= logs:
                return
            time.sleep(0.25)
