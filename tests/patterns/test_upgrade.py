"""Upgrading a database mined before: counts by the hour from the per-minute ones (0022), the
one cursor becoming a cursor per service mined so far (0023), and each assignment keeping its
log's timestamp (0024)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from db.engine import make_engine
from db.models import as_utc
from tests.db.test_migrations import scratch_engine, upgrade_sqlite_to

MINUTES = [("10:05", 3), ("10:59", 2), ("11:00", 4)]


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        yield make_engine(f"sqlite:///{tmp_path / 'upgraded.db'}")
    else:
        with scratch_engine() as found:
            yield found


def test_hourly_counts_and_per_service_cursors_come_from_what_was_stored(engine: Engine) -> None:
    upgrade_sqlite_to(engine, "0021")
    with engine.begin() as connection:
        for minute, count in MINUTES:
            bucket = datetime.fromisoformat(f"2025-10-09T{minute}:00+00:00")
            connection.execute(
                text("INSERT INTO pattern_counts VALUES (:b, 7, 'INFO', :n)"),
                {"b": bucket.astimezone(UTC).replace(tzinfo=None), "n": count},
            )
        for service in ("auth-service", "payment-service"):
            connection.execute(
                text("INSERT INTO pattern_miners VALUES (:s, :state)"),
                {"s": service, "state": b"x"},
            )
        connection.execute(
            text("INSERT INTO pattern_cursor VALUES (1, 12, '5:9:6', '9:12:', 7, 8, 'gone', :t)"),
            {"t": datetime(2025, 10, 9, tzinfo=UTC)},
        )
    upgrade_sqlite_to(engine, "head")
    with engine.connect() as connection:
        hourly = connection.execute(
            text("SELECT bucket, count FROM pattern_counts_hourly ORDER BY bucket")
        ).all()
        cursors = connection.execute(
            text(
                "SELECT service, version, since, upto, after_tx, after_id FROM pattern_cursors"
                " ORDER BY service"
            )
        ).all()
        discovery = connection.execute(text("SELECT since FROM pattern_discovery")).all()
    assert [(str(bucket)[11:16], n) for bucket, n in hourly] == [("10:00", 5), ("11:00", 4)]
    assert [tuple(row) for row in cursors] == [
        ("auth-service", 1, "5:9:6", "9:12:", 7, 8),
        ("payment-service", 1, "5:9:6", "9:12:", 7, 8),
    ]
    assert [tuple(row) for row in discovery] == [("5:9:6",)]


def test_assignments_take_their_logs_timestamps_and_orphans_go(engine: Engine) -> None:
    upgrade_sqlite_to(engine, "0023")
    triggers = _triggers(engine)
    instant = datetime.now(UTC).replace(microsecond=123456)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        log_id = connection.execute(
            text(
                "INSERT INTO logs (timestamp, level, service, message)"
                " VALUES (:t, 'INFO', 'api', 'a line') RETURNING id"
            ),
            {"t": instant if postgres else instant.replace(tzinfo=None)},
        ).scalar_one()
        connection.execute(
            text("INSERT INTO log_patterns VALUES (:log, 7), (:gone, 7)"),
            {"log": log_id, "gone": log_id + 1000},
        )
    upgrade_sqlite_to(engine, "head")
    with engine.connect() as connection:
        rows = connection.execute(text('SELECT log_id, "timestamp" FROM log_patterns')).all()
    stored = [(n, at if isinstance(at, datetime) else datetime.fromisoformat(at)) for n, at in rows]
    assert [(n, as_utc(at)) for n, at in stored] == [(log_id, instant)]
    assert _triggers(engine) == triggers  # SQLite's, dropped to remake the table, are back


def _triggers(engine: Engine) -> list[tuple[str, str]]:
    if engine.dialect.name == "postgresql":
        return []
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        )
        return [(name, sql) for name, sql in found]
