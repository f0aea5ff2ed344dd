"""Mining measured: lograph's miners and drain3 alone in process, and the miner end to end."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta

from drain3 import TemplateMiner

from bench.corpus import Chunk, chunk_text, copy_chunks
from core.mining import MinerLimits, Miners
from core.pattern_miner import PatternMiner
from db.engine import Database
from settings import DEFAULT_PATTERN_MASKS
from testing.database import ScratchDatabase

CHUNK = 100_000
LIVE_RATE = 10_000  # logs/s the stored logs are stamped at


@dataclass(frozen=True, slots=True)
class Clustered:
    """One pass over the messages: patterns found, and logs per CPU second."""

    patterns: int
    rate: float


def messages(count: int, *, seed: int) -> list[tuple[str, str]]:
    """(service, message) of `count` corpus logs."""
    found: list[tuple[str, str]] = []
    for index in range(0, count, CHUNK):
        chunk = Chunk(1, min(CHUNK, count - index), 1.7e9, 1.7e9 + 86_400, seed + index)
        for line in chunk_text(chunk).splitlines():
            fields = line.split("\t", 5)
            found.append((fields[3], fields[4]))
    return found


def by_lograph(lines: Iterable[tuple[str, str]]) -> Clustered:
    """Masked, one bounded Drain per service, as the miner does (without storing)."""
    miners = Miners(limits=MinerLimits(), masks=DEFAULT_PATTERN_MASKS)
    count, started = 0, time.process_time()
    for service, message in lines:
        if miners.fits(message):
            miners.mine(service, message)
        count += 1
    spent = time.process_time() - started
    return Clustered(miners.held(), count / spent)


def by_drain3(lines: Iterable[tuple[str, str]]) -> Clustered:
    """drain3's TemplateMiner with its default configuration: one miner, no masking."""
    miner = TemplateMiner()
    count, started = 0, time.process_time()
    for _service, message in lines:
        miner.add_log_message(message)
        count += 1
    spent = time.process_time() - started
    return Clustered(len(miner.drain.clusters), count / spent)


@dataclass(frozen=True, slots=True)
class EndToEnd:
    logs: int
    seconds: float
    cpu_seconds: float  # this process: reading, mining and storing (PostgreSQL's not counted)


def mine_stored(database: ScratchDatabase, *, rows: int, end: datetime) -> EndToEnd:
    """COPY `rows` corpus logs, then one PatternMiner mines them all, as a process would."""
    start = end - timedelta(seconds=rows / LIVE_RATE)  # as if written at that rate
    chunks = [
        Chunk(1 + index, min(CHUNK, rows - index), start.timestamp(), end.timestamp(), 50 + index)
        for index in range(0, rows, CHUNK)
    ]
    for _count in copy_chunks(database.dsn, chunks, processes=1):
        pass
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('logs', 'id'), max(id)) FROM logs")
        cursor.execute("ANALYZE logs")
        connection.commit()
    return asyncio.run(_mine_all(database, rows))


async def _mine_all(database: ScratchDatabase, rows: int) -> EndToEnd:
    db = Database(database.sqlalchemy_url)
    miner = PatternMiner(
        db=db,
        miners=Miners(limits=MinerLimits(), masks=DEFAULT_PATTERN_MASKS),
        interval_seconds=1.0,
        lease_seconds=60.0,
    )
    cpu, wall = time.process_time(), time.perf_counter()
    await miner.catch_up()
    result = EndToEnd(rows, time.perf_counter() - wall, time.process_time() - cpu)
    await miner.stop()
    db.close()
    return result
