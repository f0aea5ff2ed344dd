"""Rollup reads equal a scan of `logs`, with deltas waiting, after folds, across deletes, while
two connections fold at once, and across the migrations that made the rollups."""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Table, delete, func, select, text

from db.engine import make_engine
from db.histogram import count_by_bucket_and_level
from db.levels import Level
from db.logs import LogCriteria, NewLog, insert_logs
from db.migrate import ALEMBIC_INI, upgrade_database
from db.models import (
    log_counts,
    log_counts_delta,
    log_counts_minute,
    log_level_counts,
    log_level_counts_minute,
    logs,
)
from db.rollups import fold_deltas
from db.stats import count_by_level_and_service
from testing.services import scratch_postgres_database

START = datetime(2025, 3, 1, tzinfo=UTC)
SPAN = timedelta(days=3)
SERVICES = ["api", "pay", "web"]
# Matches every log, yet no rollup can count it: what the rollup reads are held against.
SCANNED = LogCriteria(services=frozenset({"no such service"}))
WINDOWS = [
    (None, None),
    (START + timedelta(hours=5, minutes=17, seconds=3), None),
    (None, START + timedelta(days=2, minutes=41)),
    (START + timedelta(hours=30), START + timedelta(hours=40, microseconds=-1)),
]
WIDTHS = [timedelta(minutes=1), timedelta(minutes=15), timedelta(hours=1), timedelta(days=1)]


@contextmanager
def migrated(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        upgrade_database(engine)
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    with scratch_postgres_database() as url, migrated(url) as engine:
        yield engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgres":
        yield request.getfixturevalue("pg_engine")
        return
    with migrated(f"sqlite:///{tmp_path / 'rollups.db'}") as sqlite_engine:
        yield sqlite_engine


def spread_logs(count: int, *, seed: int) -> list[NewLog]:
    """Logs at random instants over three days: nearly every one in a minute of its own."""
    rng = random.Random(seed)
    return [
        NewLog(
            timestamp=START + SPAN * rng.random(),
            level=rng.choice(list(Level)),
            service=rng.choice(SERVICES),
            message="spread",
            metadata=None,
            metadata_json=None,
        )
        for _ in range(count)
    ]


def write(engine: Engine, new_logs: list[NewLog]) -> list[int]:
    with engine.begin() as connection:
        return insert_logs(connection, new_logs)


def fold_all(engine: Engine) -> None:
    with engine.begin() as connection:
        fold_deltas(connection, max_deltas=1_000_000)


def deltas(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(log_counts_delta)).scalar_one()


def assert_reads_match_a_scan(engine: Engine) -> None:
    with engine.connect() as connection:
        for start, end in WINDOWS:
            criteria = LogCriteria(start_time=start, end_time=end)
            narrowed_ones = [
                criteria,
                replace(criteria, levels=frozenset({Level.ERROR})),
                replace(criteria, services=frozenset({"pay", "web"})),  # per-service rollups
            ]
            for narrowed in narrowed_ones:
                rollup = count_by_level_and_service(connection, narrowed)
                scan = count_by_level_and_service(connection, replace(narrowed, negated=SCANNED))
                assert sorted(rollup, key=str) == sorted(scan, key=str), (start, end)
            for width, narrowed in itertools.product(WIDTHS, narrowed_ones):
                buckets = partial(
                    count_by_bucket_and_level,
                    connection,
                    start=start or START,
                    end=end or START + SPAN,
                    origin=START,
                    width=width,
                )
                assert buckets(narrowed) == buckets(replace(narrowed, negated=SCANNED)), width


@pytest.mark.slow
def test_reads_are_exact_with_deltas_waiting_and_after_a_fold(engine: Engine) -> None:
    for seed in range(3):
        write(engine, spread_logs(700, seed=seed))
    if engine.dialect.name == "postgresql":
        assert deltas(engine) > 2000  # spread logs: nearly one delta each, none folded yet
    assert_reads_match_a_scan(engine)

    fold_all(engine)

    assert deltas(engine) == 0
    assert_reads_match_a_scan(engine)
    write(engine, spread_logs(500, seed=10))
    assert_reads_match_a_scan(engine)


@pytest.mark.slow
def test_deletes_keep_reads_exact_before_and_after_folds(engine: Engine) -> None:
    ids = write(engine, spread_logs(1500, seed=20))
    with engine.begin() as connection:
        connection.execute(delete(logs).where(logs.c.id.in_(ids[::3])))
    assert_reads_match_a_scan(engine)
    fold_all(engine)
    with engine.begin() as connection:
        connection.execute(delete(logs).where(logs.c.id.in_(ids[1::3])))
    assert_reads_match_a_scan(engine)
    fold_all(engine)
    assert_reads_match_a_scan(engine)


@pytest.mark.slow
@pytest.mark.postgres
def test_a_fold_while_another_runs_skips_and_nothing_is_counted_twice(
    pg_engine: Engine,
) -> None:
    engine = pg_engine
    write(engine, spread_logs(1000, seed=30))
    with engine.connect() as first, engine.connect() as second:
        with first.begin():
            assert fold_deltas(first, max_deltas=1_000_000) == deltas(engine)
            with second.begin():
                assert fold_deltas(second, max_deltas=1_000_000) is None
            assert_reads_match_a_scan(engine)  # the first fold is not committed yet
        write(engine, spread_logs(300, seed=31))
        with second.begin():
            assert fold_deltas(second, max_deltas=1_000_000) == deltas(engine) > 0
    assert deltas(engine) == 0
    assert_reads_match_a_scan(engine)


@pytest.mark.slow
@pytest.mark.postgres
def test_folds_racing_on_two_connections_with_a_writer_count_each_log_once(
    pg_engine: Engine,
) -> None:
    engine = pg_engine
    stop = threading.Event()

    def keep_folding() -> None:
        with engine.connect() as connection:
            while not stop.is_set():
                with connection.begin():
                    fold_deltas(connection, max_deltas=97)

    folders = [threading.Thread(target=keep_folding) for _ in range(2)]
    for folder in folders:
        folder.start()
    try:
        for seed in range(40, 52):
            write(engine, spread_logs(150, seed=seed))
    finally:
        stop.set()
        for folder in folders:
            folder.join()
    assert_reads_match_a_scan(engine)
    fold_all(engine)
    assert deltas(engine) == 0
    assert_reads_match_a_scan(engine)


def totals(engine: Engine, table: Table) -> dict[tuple[str, str], int]:
    """Counts per (level, service) that one table alone holds: what 0009's readers read."""
    count = func.count() if table is logs else func.sum(table.c.count)
    statement = select(table.c.level, table.c.service, count).group_by(
        table.c.level, table.c.service
    )
    with engine.connect() as connection:
        return {(level, service): n for level, service, n in connection.execute(statement) if n}


def downgrade_to(engine: Engine, revision: str) -> None:
    config = Config(str(ALEMBIC_INI))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@pytest.mark.slow
@pytest.mark.postgres
def test_downgrade_folds_every_delta_and_0009s_trigger_takes_over(pg_engine: Engine) -> None:
    ids = write(pg_engine, spread_logs(900, seed=60))
    with pg_engine.begin() as connection:
        connection.execute(delete(logs).where(logs.c.id.in_(ids[::4])))

    downgrade_to(pg_engine, "0009")

    write(pg_engine, spread_logs(300, seed=61))
    assert totals(pg_engine, log_counts) == totals(pg_engine, logs)
    assert totals(pg_engine, log_counts_minute) == totals(pg_engine, logs)
    upgrade_database(pg_engine)
    write(pg_engine, spread_logs(300, seed=62))
    assert deltas(pg_engine) > 0
    assert_reads_match_a_scan(pg_engine)


@pytest.mark.slow
@pytest.mark.postgres
def test_the_level_rollups_start_from_the_rollups_and_count_each_delta_once(
    pg_engine: Engine,
) -> None:
    engine = pg_engine
    downgrade_to(engine, "0010")
    write(engine, spread_logs(800, seed=70))
    with engine.begin() as connection:  # some deltas folded before the upgrade, some not
        assert fold_deltas(connection, max_deltas=deltas(engine) // 2)

    upgrade_database(engine)

    assert_reads_match_a_scan(engine)
    write(engine, spread_logs(300, seed=71))
    with engine.begin() as connection:
        connection.execute(delete(logs).where(logs.c.id % 5 == 0))
    assert_reads_match_a_scan(engine)
    fold_all(engine)
    for table in (log_level_counts, log_level_counts_minute):
        assert by_level(engine, table) == by_level(engine, logs)
    assert_reads_match_a_scan(engine)


def by_level(engine: Engine, table: Table) -> dict[str, int]:
    """Counts per level that one table alone holds."""
    count = func.count() if table is logs else func.sum(table.c.count)
    statement = select(table.c.level, count).group_by(table.c.level)
    with engine.connect() as connection:
        return {level: n for level, n in connection.execute(statement) if n}


@pytest.mark.slow
@pytest.mark.postgres
def test_a_fold_first_planned_with_no_delta_waiting_still_folds_a_bulk_load(
    pg_engine: Engine,
) -> None:
    with pg_engine.connect() as connection:
        for _ in range(6):  # PL/pgSQL keeps plans per session: these are made on an empty table
            with connection.begin():
                fold_deltas(connection, max_deltas=10_000)
        with pg_engine.begin() as writer:  # what a bulk COPY spread over a month leaves
            writer.execute(text(BULK_DELTAS))
        with connection.begin():
            connection.execute(text("SET LOCAL statement_timeout = '10s'"))  # the app's default
            assert fold_deltas(connection, max_deltas=10_000) == 10_000


BULK_DELTAS = """
INSERT INTO log_counts_delta (bucket, level, service, count)
SELECT timestamptz '2025-01-01 00:00Z' + (i % 43200) * interval '1 minute', 'INFO', 's' || i % 7, 1
FROM generate_series(1, 200000) AS i
"""
