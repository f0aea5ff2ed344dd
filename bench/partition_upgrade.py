"""What migration 0017 costs (issue 23): `python -m bench.partition_upgrade [--rows N]`.

A scratch database stopped at 0016 (one `logs` table) is filled with N logs over 365 days
(COPY), then upgraded to head (`alembic upgrade head`, less what a run with nothing to do
takes) while a writer inserts one log every 10 ms: prints how long the upgrade took, per
million logs, and the longest any insert waited meanwhile. Drops the
database at the end.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections.abc import Sequence
from contextlib import closing
from datetime import UTC, datetime, timedelta

from bench.data import Window
from bench.fill import fill_logs
from bench.partitions import progress
from bench.report import Metric, markdown_table
from testing.database import ScratchDatabase, scratch_database
from testing.partitions import migrate_to


class Inserter(threading.Thread):
    """One log every 10 ms through its own connection, each insert timed."""

    def __init__(self, database: ScratchDatabase) -> None:
        super().__init__()
        self._database = database
        self.stop = threading.Event()
        self.waits: list[float] = []

    def run(self) -> None:
        with closing(self._database.connect()) as connection, connection.cursor() as cursor:
            connection.autocommit = True
            while not self.stop.is_set():
                started = time.perf_counter()
                cursor.execute(
                    "INSERT INTO logs (timestamp, level, service, message)"
                    " VALUES (now(), 'INFO', 'writer', 'during the upgrade')"
                )
                self.waits.append(time.perf_counter() - started)
                time.sleep(0.01)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.partition_upgrade", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    end = datetime.now(UTC)
    with scratch_database("bench_upgrade") as database:
        migrate_to(database.sqlalchemy_url, "0016")
        progress(f"filling {args.rows:,} logs over 365 days, before partitioning")
        fill_logs(database, Window(end - timedelta(days=365), end), total_rows=args.rows)
        inserter = Inserter(database)
        inserter.start()
        time.sleep(0.5)
        started = time.perf_counter()
        migrate_to(database.sqlalchemy_url, "head")
        spent = time.perf_counter() - started
        time.sleep(0.5)
        inserter.stop.set()
        inserter.join()
        started = time.perf_counter()
        migrate_to(database.sqlalchemy_url, "head")  # nothing to do: what starting alembic costs
        spent -= time.perf_counter() - started
    per_million = spent / (args.rows / 1_000_000)
    metrics = [
        Metric(
            "upgrade",
            "upgrade to partitioned, per million logs",
            per_million,
            "s",
            f"{spent:.1f} s for {args.rows:,}",
        ),
        Metric(
            "wait",
            "longest insert during the upgrade",
            max(inserter.waits),
            "s",
            f"{len(inserter.waits)} inserts",
        ),
    ]
    print(f"\nload average {os.getloadavg()[0]:.1f}\n")
    print(markdown_table(metrics))


if __name__ == "__main__":
    main()
