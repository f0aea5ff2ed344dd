"""The periodic alert sweep at scale: `python -m bench.alert_sweep [--rows N] [--rules N]`.

Fills a scratch PostgreSQL database with bench/corpus.py's logs (about 20 services over 30
days), stores grouped lifecycle rules (`groupBy: ["service"]`) and times passes of the
engine's own sweep (`AlertEngine.sweep` until every evaluation it queued has finished), run in
this process against that database. `--database NAME --keep` loads once and measures again.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Iterator, Sequence
from contextlib import asynccontextmanager, closing, contextmanager, suppress
from datetime import UTC, datetime, timedelta
from functools import partial

import psycopg2
from sqlalchemy import create_engine

from alerts import AlertEngine
from alerts.lifecycle import advance
from bench import corpus
from bench.grouped_rules import as_rule, grouped_rules
from bench.stats import median, percentile
from broker.bus import Bus
from broker.hub import Hub
from broker.redis_link import RedisLink
from db import alert_rules
from db.alert_history import AlertRecord
from db.engine import Database
from db.migrate import upgrade_database
from db.timeouts import Timeouts
from settings import load_settings
from testing.database import ScratchDatabase, _admin, scratch_database

# The corpus's 30 days end this far after the load starts (--ahead-hours), so that every
# rule's window holds logs at the corpus's rate (rows / 30 days) throughout the measurement.
AHEAD_HOURS = 1.0


def progress(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


@contextmanager
def filled(
    name: str | None, *, rows: int, keep: bool, ahead: timedelta
) -> Iterator[ScratchDatabase]:
    """A database holding `rows` logs: `name`'s if it has them already, else loaded now."""
    if name is None:
        with scratch_database("lograph_bench_sweep") as database:
            load(database, rows, ahead=ahead)
            yield database
        return
    database = ScratchDatabase(name)
    with suppress(psycopg2.errors.DuplicateDatabase):
        _admin(f'CREATE DATABASE "{name}"')
    try:
        if stored_rows(database) < rows:
            load(database, rows, ahead=ahead)
        yield database
    finally:
        if not keep:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stored_rows(database: ScratchDatabase) -> int:
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('logs') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute("SELECT count(*) FROM logs")
        return int(cursor.fetchone()[0])


def migrate(database: ScratchDatabase) -> None:
    engine = create_engine(database.sqlalchemy_url)
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()


def load(database: ScratchDatabase, rows: int, *, ahead: timedelta) -> None:
    """Migrate, then COPY the corpus into the empty `logs` (as bench.query does)."""
    migrate(database)
    end = datetime.now(UTC).replace(microsecond=0) + ahead
    progress(f"loading {rows:,} logs")
    report = corpus.load_recent(database, rows, end=end, days=30, progress=progress)
    took = report.copy_s + report.index_s + report.vacuum_s
    progress(f"loaded {rows:,} logs in {took:.0f} s")


@asynccontextmanager
async def engine_on(database: ScratchDatabase) -> AsyncIterator[AlertEngine]:
    """This process's alert engine on the database, as the app builds it, without Redis."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as empty:
        empty.write("{}")
    settings = load_settings(
        database_url=database.sqlalchemy_url, enable_alerts=True, alert_rules_file=empty.name
    )
    db = Database(settings.database_url, timeouts=Timeouts.of(settings))
    link = RedisLink(None)
    hub: Hub[AlertRecord] = Hub(name="alerts", drop_oldest=True)
    engine = AlertEngine(db=db, settings=settings, link=link, bus=Bus(link), hub=hub)
    try:
        yield engine
    finally:
        await engine.stop()
        db.close()
        os.unlink(empty.name)


async def sweeps(database: ScratchDatabase, *, rules: int, passes: int) -> dict[str, list[float]]:
    """Seconds per pass over `rules` grouped rules: the engine's sweep (the first pass opens
    the instances) and, in turns with it, every rule evaluated on its own at once (as the
    sweep did before alerts/sweep.py)."""
    async with engine_on(database) as engine:
        stored = [as_rule(fields) for fields in grouped_rules(rules)]
        for rule in stored:
            await engine.db.write(partial(alert_rules.upsert_rule, rule=rule))
        seconds: dict[str, list[float]] = {"first sweep": [], "sweep": [], "one by one": []}
        seconds["first sweep"].append(await timed(engine.sweep(), engine.settled()))
        for _ in range(passes):
            seconds["sweep"].append(await timed(engine.sweep(), engine.settled()))
            now = datetime.now(UTC)
            each = [advance(engine.db, rule, now=now, warned=set()) for rule in stored]
            seconds["one by one"].append(await timed(asyncio.gather(*each)))
        return seconds


async def timed(*steps: Awaitable[object]) -> float:
    started = time.perf_counter()
    for step in steps:
        await step
    return time.perf_counter() - started


def report(seconds: dict[str, list[float]], *, rows: int, rules: int) -> str:
    load = os.getloadavg()
    lines = [
        f"| {rules} rules, groupBy service, {rows:,} logs | passes | median | p90 | max |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label, values in seconds.items():
        millis = [value * 1000 for value in values]
        lines.append(
            f"| {label} | {len(millis)} | {median(millis):.0f} ms "
            f"| {percentile(millis, 90):.0f} ms | {max(millis):.0f} ms |"
        )
    lines += ["", f"Load average at the end: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the alert sweep over grouped rules at scale")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--database", help="load into this database, or reuse its logs")
    parser.add_argument("--keep", action="store_true", help="keep --database at the end")
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument(
        "--ahead-hours",
        type=float,
        default=AHEAD_HOURS,
        help="the corpus ends this long after the load: how long a kept database stays usable",
    )
    parser.add_argument("--rules", type=int, default=100)
    parser.add_argument("--passes", type=int, default=10, help="of each kind, in turns")
    args = parser.parse_args(argv)
    ahead = timedelta(hours=args.ahead_hours)
    with filled(args.database, rows=args.rows, keep=args.keep, ahead=ahead) as database:
        if args.load_only:
            return 0
        migrate(database)  # a kept database may predate the latest migrations
        with closing(database.connect()) as connection, connection.cursor() as cursor:
            cursor.execute("TRUNCATE alert_rules, alert_instances, alerts")
            connection.commit()
        seconds = asyncio.run(sweeps(database, rules=args.rules, passes=args.passes))
        print(report(seconds, rows=stored_rows(database), rules=args.rules))
    return 0


if __name__ == "__main__":
    sys.exit(main())
