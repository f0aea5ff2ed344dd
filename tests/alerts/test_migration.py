"""Migration 0002 builds the alert tables exactly as db.models declares them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect

from db.engine import make_engine
from db.migrate import upgrade_database
from db.models import metadata
from testing.services import scratch_postgres_database

TABLES = ["alert_rules", "alert_rules_seeded", "alerts", "alert_instances"]


def alert_schema(engine: Engine) -> dict[str, Any]:
    inspector = inspect(engine)
    return {
        table: {
            "columns": [
                (column["name"], column["type"].compile(dialect=engine.dialect), column["nullable"])
                for column in inspector.get_columns(table)
            ],
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "unique": sorted(
                (unique["name"], tuple(unique["column_names"]))
                for unique in inspector.get_unique_constraints(table)
            ),
            "indexes": sorted(
                (index["name"], tuple(index["column_names"]))
                for index in inspector.get_indexes(table)
            ),
        }
        for table in TABLES
    }


@pytest.fixture(params=["sqlite", "postgres"])
def engines(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    if request.param == "sqlite":
        yield (
            make_engine(f"sqlite:///{tmp_path / 'a.db'}"),
            make_engine(f"sqlite:///{tmp_path / 'b.db'}"),
        )
        return
    with scratch_postgres_database() as migrated, scratch_postgres_database() as declared:
        pair = make_engine(migrated), make_engine(declared)
        yield pair
        for engine in pair:
            engine.dispose()


@pytest.mark.slow
def test_upgrade_builds_the_declared_alert_tables(engines: tuple[Engine, Engine]) -> None:
    migrated, declared = engines
    upgrade_database(migrated)
    metadata.create_all(declared)
    assert alert_schema(migrated) == alert_schema(declared)
    assert alert_schema(migrated)["alerts"]["indexes"] == [
        ("ix_alerts_fired_at", ("fired_at", "id")),
        ("ix_alerts_rule_fired_at", ("rule", "fired_at", "id")),
    ]
