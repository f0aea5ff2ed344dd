"""Migrations build the schema db.models declares and upgrade the predecessor's table in place."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier as BarrierType
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Inspector, inspect, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from db.engine import make_engine
from db.levels import parse_level
from db.migrate import ALEMBIC_INI, current_revision, upgrade_database
from db.models import metadata
from testing.services import scratch_postgres_database

REPO_ROOT = Path(__file__).resolve().parents[2]
HEAD = ScriptDirectory.from_config(Config(str(ALEMBIC_INI))).get_current_head()

LEGACY_DDL = """
CREATE TABLE logs (
    id        SERIAL PRIMARY KEY,
    level     VARCHAR(20)  NOT NULL,
    service   VARCHAR(50)  NOT NULL,
    message   VARCHAR(255) NOT NULL,
    metadata_ JSON,
    "timestamp" TIMESTAMP WITH TIME ZONE DEFAULT now()
);
CREATE INDEX ix_logs_id ON logs (id);
"""
LEGACY_LEVELS = [
    *["DEBUG", "INFO", "WARN", "ERROR", "debug", "info", "Warn", "error", " info "],
    *["warning", "WARNING", "Critical", "CRITICAL", "verbose", "notice"],
]
# SQL NULL, JSON null and non-objects are rare in legacy data; mixed in to prove nothing is lost.
LEGACY_METADATA = [
    '{"request_id": "r-1", "user": "ann"}',
    None,
    '{"region": "eu"}',
    "null",
    '["not", "an", "object"]',
    '{"legacy_level": "already here"}',
    '{"a": "1", "b": "2"}',
]
NOT_STORED = object()


def schema_of(engine: Engine) -> dict[str, Any]:
    """What clients of the tables can observe: columns, keys, checks, indexes, the id sequence."""
    inspector = inspect(engine)
    schema: dict[str, Any] = {name: table_shape(inspector, name) for name in metadata.tables}
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            schema["logs_id_sequence"] = connection.execute(
                text(
                    "SELECT sequencename, data_type::text FROM pg_sequences WHERE"
                    " schemaname || '.' || sequencename = pg_get_serial_sequence('logs', 'id')"
                )
            ).all()
    else:
        with engine.connect() as connection:
            schema["autoincrement"] = connection.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND sql LIKE '%AUTOINCREMENT%' ORDER BY name"
                )
            ).all()
    return schema


def table_shape(inspector: Inspector, table: str) -> dict[str, Any]:
    return {
        "columns": {
            column["name"]: (
                column["type"].compile(dialect=inspector.dialect),
                column["nullable"],
                column.get("default"),
            )
            for column in inspector.get_columns(table)
        },
        "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
        "checks": {
            check["name"]: check["sqltext"] for check in inspector.get_check_constraints(table)
        },
        "indexes": {index["name"]: index["column_names"] for index in inspector.get_indexes(table)},
        "uniques": sorted(
            tuple(unique["column_names"]) for unique in inspector.get_unique_constraints(table)
        ),
        "foreign_keys": sorted(
            (tuple(key["constrained_columns"]), key["referred_table"])
            for key in inspector.get_foreign_keys(table)
        ),
    }


def reference_schema(engine: Engine) -> dict[str, Any]:
    """The schema db.models produces directly, to hold the migrations against."""
    metadata.create_all(engine)
    return schema_of(engine)


def versions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


@contextmanager
def scratch_engine() -> Iterator[Engine]:
    """An engine on a database of its own, so these tests never touch the shared `test` one."""
    with scratch_postgres_database() as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    with scratch_engine() as engine:
        yield engine


@pytest.fixture(scope="module")
def pg_reference() -> dict[str, Any]:
    with scratch_engine() as engine:
        return reference_schema(engine)


def test_sqlite_upgrade_builds_the_models_schema_and_repeats_as_a_no_op(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    upgrade_database(engine)
    assert schema_of(engine) == reference_schema(reference)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO logs (timestamp, level, service, message)"
                " VALUES (:t, 'INFO', 's', 'm')"
            ),
            {"t": datetime(2025, 1, 1)},
        )
    upgrade_database(engine)
    assert versions(engine) == [HEAD]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM logs")).scalar_one() == 1


def upgrade_sqlite_to(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        config = Config(str(ALEMBIC_INI))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def sqlite_logs(engine: Engine) -> dict[str, Any]:
    """Every row of `logs`, the rollups the triggers keep, and those triggers."""
    with engine.connect() as connection:
        return {
            "rows": connection.execute(text("SELECT * FROM logs ORDER BY id")).all(),
            "hourly": connection.execute(text("SELECT * FROM log_counts ORDER BY 1, 2, 3")).all(),
            "minutes": connection.execute(
                text("SELECT * FROM log_counts_minute ORDER BY 1, 2, 3")
            ).all(),
            "triggers": connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            ).all(),
        }


def insert_log(engine: Engine, message: str) -> int:
    insert = text(
        "INSERT INTO logs (timestamp, level, service, message, metadata)"
        " VALUES (:t, 'WARN', 's', :message, '{\"k\": 1}') RETURNING id"
    )
    with engine.begin() as connection:
        log_id: int = connection.execute(
            insert, {"t": datetime(2025, 10, 9, 12, 34), "message": message}
        ).scalar_one()
    return log_id


def delete_log(engine: Engine, log_id: int) -> None:
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM logs WHERE id = :id"), {"id": log_id})


# Triggers on `logs` that migrations after 0012 add (0019: the pattern rollup's).
LATER_TRIGGERS = {"logs_pattern_counts_delete"}


def test_sqlite_upgrade_to_ids_never_reused_keeps_every_log_id_and_trigger(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'reused.db'}")
    upgrade_sqlite_to(engine, "0012")
    ids = [insert_log(engine, f"m{i}") for i in range(6)]
    for log_id in (ids[0], ids[3]):
        delete_log(engine, log_id)
    before = sqlite_logs(engine)

    upgrade_database(engine)

    upgraded = sqlite_logs(engine)
    added = [one for one in upgraded["triggers"] if one[0] in LATER_TRIGGERS]
    assert [name for name, _sql in added] == sorted(LATER_TRIGGERS)
    assert {**upgraded, "triggers": [t for t in upgraded["triggers"] if t not in added]} == before
    assert schema_of(engine) == reference_schema(make_engine(f"sqlite:///{tmp_path / 'ref.db'}"))
    delete_log(engine, ids[-1])
    later = insert_log(engine, "later")
    assert later == ids[-1] + 1
    after = sqlite_logs(engine)
    assert after["rows"][:-1] == before["rows"][:-1]
    assert sum(row[-1] for row in after["hourly"]) == len(ids) - 2


def test_upgrade_refuses_a_logs_table_of_unknown_shape(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'odd.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE logs (id INTEGER PRIMARY KEY, line TEXT)"))
    with pytest.raises(RuntimeError, match="refusing"):
        upgrade_database(engine)


@pytest.mark.slow
def test_cli_commands_upgrade_the_database_named_by_settings(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    alembic = [sys.executable, "-m", "alembic", "upgrade", "head"]
    subprocess.run(alembic, cwd=REPO_ROOT, env=env, check=True, capture_output=True)
    migrate = [sys.executable, "-m", "db.migrate"]
    done = subprocess.run(migrate, cwd=REPO_ROOT, env=env, check=True, capture_output=True)
    assert done.stdout.decode().splitlines() == [
        f"lograph: sqlite:///{tmp_path / 'cli.db'} is at revision {HEAD}"
    ]


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_upgrade_builds_the_models_schema_and_repeats_as_a_no_op(
    pg_engine: Engine, pg_reference: dict[str, Any]
) -> None:
    upgrade_database(pg_engine)
    assert schema_of(pg_engine) == pg_reference
    upgrade_database(pg_engine)
    assert versions(pg_engine) == [HEAD]


def start_worker(url: str, barrier: BarrierType) -> None:
    """One app process at start-up: wait for the others, then upgrade."""
    engine = make_engine(url)
    barrier.wait()
    upgrade_database(engine)
    engine.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_worker_processes_starting_together_upgrade_once(pg_engine: Engine) -> None:
    workers = 4
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(workers)
    url = pg_engine.url.render_as_string(hide_password=False)
    processes = [spawn.Process(target=start_worker, args=(url, barrier)) for _ in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [process.exitcode for process in processes] == [0] * workers
    assert versions(pg_engine) == [HEAD]
    assert inspect(pg_engine).has_table("logs")


def legacy_rows(count: int) -> list[dict[str, Any]]:
    start = datetime(2025, 10, 9, 12, tzinfo=UTC)
    return [
        {
            "level": LEGACY_LEVELS[i % len(LEGACY_LEVELS)],
            "service": f"service-{i % 9}".ljust(20 + i % 31, "x"),
            "message": f"message {i} ".ljust(1 + i % 255, "."),
            "metadata": LEGACY_METADATA[i % len(LEGACY_METADATA)],
            "timestamp": None if i % 50 == 7 else start + timedelta(seconds=i),
        }
        for i in range(count)
    ]


def create_legacy_table(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        connection.execute(text(LEGACY_DDL))
        connection.execute(
            text(
                'INSERT INTO logs (level, service, message, metadata_, "timestamp")'
                " VALUES (:level, :service, :message, CAST(:metadata AS json), :timestamp)"
            ),
            rows,
        )


def stored_rows(engine: Engine, metadata_column: str) -> dict[int, dict[str, Any]]:
    sql = f'SELECT id, level, service, message, {metadata_column}::text AS metadata, "timestamp"'
    with engine.connect() as connection:
        result = connection.execute(text(sql + " FROM logs")).mappings()
        return {row["id"]: dict(row) for row in result}


def expected_after_upgrade(row: dict[str, Any]) -> tuple[str, Any]:
    """Level and metadata as the upgrade must leave them, derived from parse_level."""
    old = NOT_STORED if row["metadata"] is None else json.loads(row["metadata"])
    try:
        return parse_level(row["level"]).value, old
    except ValueError:
        pass
    if old is NOT_STORED:
        return "INFO", {"legacy_level": row["level"]}
    if isinstance(old, dict) and "legacy_level" not in old:
        return "INFO", {**old, "legacy_level": row["level"]}
    return "INFO", {"legacy_metadata": old, "legacy_level": row["level"]}


@pytest.mark.slow
@pytest.mark.postgres
def test_legacy_table_is_upgraded_in_place_without_losing_a_row(
    pg_engine: Engine, pg_reference: dict[str, Any]
) -> None:
    create_legacy_table(pg_engine, legacy_rows(3000))
    with pg_engine.begin() as connection:
        connection.execute(text("DELETE FROM logs WHERE id % 11 = 0 AND id < 3000"))
    before = stored_rows(pg_engine, "metadata_")
    with pg_engine.connect() as connection:  # the server's clock fills in missing timestamps
        upgrade_started = connection.execute(text("SELECT now()")).scalar_one()

    upgrade_database(pg_engine)

    after = stored_rows(pg_engine, "metadata")
    assert sorted(after) == sorted(before)
    for log_id, old in before.items():
        new = after[log_id]
        level, metadata_value = expected_after_upgrade(old)
        assert new["level"] == level, log_id
        assert (new["service"], new["message"]) == (old["service"], old["message"])
        stored = NOT_STORED if new["metadata"] is None else json.loads(new["metadata"])
        assert stored == metadata_value, log_id
        assert new["timestamp"] == old["timestamp"] or (
            old["timestamp"] is None and new["timestamp"] >= upgrade_started - timedelta(seconds=5)
        )
    assert {row["level"] for row in after.values()} == {"DEBUG", "INFO", "WARN", "ERROR", "FATAL"}
    assert schema_of(pg_engine) == pg_reference
    assert "ix_logs_id" not in schema_of(pg_engine)["logs"]["indexes"]
    assert versions(pg_engine) == [HEAD]
    assert_new_rows_fit_the_new_schema(pg_engine, next_id=max(before) + 1)


def assert_new_rows_fit_the_new_schema(engine: Engine, *, next_id: int) -> None:
    insert = text(
        "INSERT INTO logs (timestamp, level, service, message, metadata)"
        " VALUES (now(), :level, :service, :message, CAST(:metadata AS jsonb)) RETURNING id"
    )
    row = {"level": "INFO", "service": "s" * 100, "message": "m" * 5000, "metadata": '{"n": 1}'}
    with engine.begin() as connection:
        assert connection.execute(insert, row).scalar_one() == next_id
        connection.execute(text("SELECT setval('logs_id_seq', 3000000000)"))
        assert connection.execute(insert, row).scalar_one() == 3000000001
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert, {**row, "level": "NOPE"})


@pytest.mark.postgres
def test_legacy_upgrade_that_fails_leaves_the_table_untouched(pg_engine: Engine) -> None:
    # jsonb rejects \u0000 while json stored it: the upgrade must fail as a whole.
    rows = [{**legacy_rows(1)[0], "level": "notice", "metadata": '{"nul": "\\u0000"}'}]
    create_legacy_table(pg_engine, rows)
    with pytest.raises(SQLAlchemyError):
        upgrade_database(pg_engine)
    columns = {column["name"] for column in inspect(pg_engine).get_columns("logs")}
    assert "metadata_" in columns
    assert stored_rows(pg_engine, "metadata_")[1]["level"] == "notice"
    assert current_revision(pg_engine) is None


@pytest.mark.slow
def test_workers_starting_together_on_a_fresh_sqlite_file_both_migrate(tmp_path: Path) -> None:
    """uvicorn's workers each migrate at start; on one fresh file they must take turns."""
    script = (
        "import sys; from db.engine import make_engine; from db.migrate import upgrade_database; "
        "upgrade_database(make_engine(sys.argv[1]))"
    )
    for attempt in range(3):
        url = f"sqlite:///{tmp_path / f'fresh-{attempt}.db'}"
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", script, url], cwd=REPO_ROOT, stderr=subprocess.PIPE
            )
            for _ in range(3)
        ]
        for worker in workers:
            _, errors = worker.communicate(timeout=120)
            assert worker.returncode == 0, errors.decode()[-2000:]
