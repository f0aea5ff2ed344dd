"""The partitioned log table on PostgreSQL: its layout, the upgrade that attaches the old table,
passes racing writers and each other, and a detach left pending by a pass cut short."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, select, text

from core.retention import Retention
from db.engine import Database, make_engine
from db.expiry import mark_for_drop
from db.levels import Level
from db.logs import LogCriteria, NewLog, write_logs
from db.migrate import ALEMBIC_INI, upgrade_database
from db.models import logs
from db.partition_layout import HIGHEST, LOWEST, Bounds, bounds_for, first_gap
from db.partitions import (
    KNOWN,
    Partition,
    create_days_ahead,
    database_key,
    list_partitions,
)
from db.stats import count_by_level_and_service
from testing.services import scratch_postgres_database

NOW = datetime(2030, 6, 15, 10, tzinfo=UTC)
DAY = timedelta(days=1)


def day(offset: int) -> datetime:
    return datetime(2030, 6, 15, tzinfo=UTC) + DAY * offset


def test_near_instants_get_their_day_and_far_ones_their_year() -> None:
    assert bounds_for(NOW, known=[], now=NOW) == Bounds(day(0), day(1))
    far = datetime(1990, 3, 3, tzinfo=UTC)
    assert bounds_for(far, known=[], now=NOW) == Bounds(
        datetime(1990, 1, 1, tzinfo=UTC), datetime(1991, 1, 1, tzinfo=UTC)
    )


def test_a_year_is_cut_short_where_it_would_overlap_a_partition() -> None:
    known = [Bounds(day(40), day(41))]
    stamp = day(45)  # beyond the days kept as days: a year, but not over day 40
    assert bounds_for(stamp, known=known, now=NOW) == Bounds(
        day(41), datetime(2031, 1, 1, tzinfo=UTC)
    )


def test_the_first_and_last_years_are_open_ended() -> None:
    first = datetime(1, 1, 1, tzinfo=UTC)
    last = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert bounds_for(first, known=[], now=NOW).low == LOWEST
    assert bounds_for(last, known=[], now=NOW).high == HIGHEST
    assert bounds_for(last, known=[], now=NOW).holds(last)


def test_the_first_gap_is_where_no_partition_holds_an_instant() -> None:
    known = [Bounds(day(0), day(1) + timedelta(hours=13)), Bounds(day(2), day(3))]
    assert first_gap(known, day(0), day(3)) == day(1) + timedelta(hours=13)
    assert first_gap(known, day(2), day(3)) is None
    assert first_gap(known, day(2), day(4)) == day(3)
    assert first_gap([Bounds(day(0), HIGHEST)], day(5), day(9)) is None


@pytest.fixture
def pg_url() -> Iterator[str]:
    with scratch_postgres_database() as url:
        yield url


def upgrade_to(engine: Engine, revision: str) -> None:
    config = Config(str(ALEMBIC_INI))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        statement = select(logs.c.id, logs.c.timestamp, logs.c.service, logs.c.message)
        return [tuple(row) for row in connection.execute(statement.order_by(logs.c.id))]


@pytest.mark.slow
@pytest.mark.postgres
def test_upgrade_attaches_the_old_table_keeping_every_log_and_id(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        upgrade_to(engine, "0016")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO logs (timestamp, level, service, message)"
                    " SELECT now() - g * interval '7 hours', 'INFO', 's' || g % 3, 'm' || g"
                    " FROM generate_series(1, 500) g"
                )
            )
        before = rows(engine)
        upgrade_database(engine)
        assert rows(engine) == before
        with engine.begin() as connection:
            kind = connection.execute(text("SELECT relkind FROM pg_class WHERE relname = 'logs'"))
            assert kind.scalar_one() == "p"
            names = [partition.name for partition in list_partitions(connection)]
            assert "logs_before_partitioning" in names
            new_id = connection.execute(
                text(
                    "INSERT INTO logs (timestamp, level, service, message)"
                    " VALUES (now(), 'INFO', 'new', 'm') RETURNING id"
                )
            ).scalar_one()
        assert new_id > max(row[0] for row in before)  # type: ignore[type-var]
    finally:
        engine.dispose()


def new_log(stamp: datetime, service: str = "w") -> NewLog:
    return NewLog(stamp, Level.INFO, service, "m", None, None)


@pytest.mark.slow
@pytest.mark.postgres
def test_writers_racing_passes_in_two_processes_lose_nothing(pg_url: str) -> None:
    """Two databases stand for two processes; each runs passes while writers write logs of
    expired days (which passes remove) and of recent ones (which must all stay)."""

    async def scenario() -> tuple[set[int], set[int]]:
        first, second = Database(pg_url, fast_path=False), Database(pg_url, fast_path=False)
        upgrade_database(first.engine)
        passes = [Retention(db=db, default_days=30) for db in (first, second)]
        kept: set[int] = set()
        now = datetime.now(UTC)

        async def writer(db: Database, seed: int) -> None:
            for round_ in range(40):
                recent = [new_log(now - timedelta(hours=seed + round_ % 20))]
                expired = [new_log(now - timedelta(days=40 + (seed + round_) % 5))]
                kept.update(await write_logs(db, recent))
                await write_logs(db, expired)

        async def passer(retention: Retention) -> None:
            for _ in range(5):
                await retention.apply()
                await asyncio.sleep(0.05)

        await asyncio.gather(
            *(writer(db, seed) for seed, db in enumerate([first, second, first])),
            *(passer(retention) for retention in passes),
        )
        await passes[0].apply()
        stored = await first.read(lambda c: set(c.execute(select(logs.c.id)).scalars()))
        first.close()
        second.close()
        return kept, stored

    kept, stored = asyncio.run(scenario())
    assert kept == stored  # every recent log kept, every expired one gone after the last pass


@contextmanager
def a_partition_to_expire(pg_url: str) -> Iterator[tuple[Engine, Database, Partition]]:
    """A database with two logs 50 days old, alone in their partition, and one of now."""
    engine = make_engine(pg_url)
    upgrade_database(engine)
    old = datetime.now(UTC) - 50 * DAY
    db = Database(pg_url, fast_path=False)
    asyncio.run(write_logs(db, [new_log(old), new_log(old), new_log(datetime.now(UTC))]))
    with engine.begin() as connection:
        (partition,) = [p for p in list_partitions(connection) if p.bounds.holds(old)]
    try:
        yield engine, db, partition
    finally:
        with engine.begin() as connection:
            KNOWN.forget(database_key(connection))
        db.close()
        engine.dispose()


def pass_leaves_the_new_log_counted(engine: Engine, db: Database) -> None:
    """A pass keeping 30 days drops the old partition; the counts say one log is left."""
    run = asyncio.run(Retention(db=db, default_days=30).apply())
    assert run is not None
    assert run.dropped_partitions >= 1
    with engine.begin() as connection:
        counted = count_by_level_and_service(connection, LogCriteria())
        assert sum(row.count for row in counted) == 1
        assert connection.execute(select(func.count()).select_from(logs)).scalar_one() == 1


@pytest.mark.slow
@pytest.mark.postgres
def test_a_detach_left_pending_is_finished_and_counted_by_the_next_pass(pg_url: str) -> None:
    with a_partition_to_expire(pg_url) as (engine, db, partition):
        holder = engine.connect()
        holder.execute(text("BEGIN ISOLATION LEVEL REPEATABLE READ"))
        holder.execute(text("SELECT count(*) FROM logs"))  # an old snapshot the detach waits for
        autocommit = make_engine(pg_url, autocommit=True)
        with autocommit.connect() as detacher:
            detacher.execute(text("SET statement_timeout = '1s'"))
            detach = text(f"ALTER TABLE logs DETACH PARTITION {partition.name} CONCURRENTLY")
            with pytest.raises(Exception, match=r"statement timeout|canceling"):
                detacher.execute(detach)
        autocommit.dispose()
        holder.rollback()
        holder.close()
        with engine.begin() as connection:
            (pending,) = [p for p in list_partitions(connection) if p.name == partition.name]
            assert pending.detach_pending

        pass_leaves_the_new_log_counted(engine, db)

        with engine.begin() as connection:
            assert partition.name not in {p.name for p in list_partitions(connection)}


@pytest.mark.slow
@pytest.mark.postgres
def test_a_partition_detached_by_a_pass_cut_short_is_dropped_and_forgotten_by_the_next(
    pg_url: str,
) -> None:
    with a_partition_to_expire(pg_url) as (engine, db, partition):
        with engine.begin() as connection:
            mark_for_drop(connection, partition)  # what a pass does first, then it died after:
            connection.execute(text(f"ALTER TABLE logs DETACH PARTITION {partition.name}"))

        pass_leaves_the_new_log_counted(engine, db)

        with engine.begin() as connection:
            left = connection.execute(text("SELECT to_regclass(:name)"), {"name": partition.name})
            assert left.scalar_one() is None


@pytest.mark.postgres
def test_a_coming_day_partly_held_by_another_partition_gets_the_rest(pg_url: str) -> None:
    """The upgrade's old table ends at the instant it ran, mid-day: the day's remaining hours
    need a partition of their own before the next write, whatever the hour."""
    engine = make_engine(pg_url)
    try:
        upgrade_database(engine)
        now = datetime.now(UTC)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0) + DAY * 3
        cut = midnight + timedelta(hours=13)
        with engine.begin() as connection:
            held = next(p for p in list_partitions(connection) if p.bounds.holds(midnight))
            connection.execute(text(f"ALTER TABLE logs DETACH PARTITION {held.name}"))
            connection.execute(text(f"DROP TABLE {held.name}"))
            connection.execute(
                text("CREATE TABLE early (LIKE logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
            )
            connection.execute(
                text(
                    "ALTER TABLE logs ATTACH PARTITION early"
                    f" FOR VALUES FROM ('{midnight}') TO ('{cut}')"
                )
            )
        with engine.begin() as connection:
            create_days_ahead(connection, now, days=7)
        with engine.begin() as connection:
            bounds = [partition.bounds for partition in list_partitions(connection)]
            assert first_gap(bounds, now, now + DAY * 7) is None
            connection.execute(
                text(
                    "INSERT INTO logs (timestamp, level, service, message)"
                    " VALUES (:at, 'INFO', 'raw', 'm')"
                ),
                {"at": cut + timedelta(hours=5)},
            )
    finally:
        engine.dispose()
