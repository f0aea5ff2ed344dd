"""The oldest log, read partition by partition (db/storage.py), whatever bounds it is given."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Connection

from db.levels import Level
from db.logs import LogCriteria
from db.partition_layout import Bounds
from db.partitions import list_partitions
from db.storage import oldest_log
from tests.factories import create_logs, log_json

STAMPS = ["1999-06-01T12:00:00+00:00", "2001-03-03T00:00:00+00:00", "2024-05-05T05:05:05+00:00"]


def test_any_bounds_give_the_oldest_log_and_the_oldest_match(client: TestClient) -> None:
    create_logs(client, log_json(timestamp=STAMPS[0], level="DEBUG"))
    create_logs(client, *[log_json(timestamp=stamp, level="ERROR") for stamp in STAMPS[1:]])
    db = client.app.state.runtime.db  # type: ignore[attr-defined]
    errors = LogCriteria(levels=frozenset({Level.ERROR}))

    def oldest(connection: Connection) -> set[tuple[datetime | None, datetime | None]]:
        listed = (
            [partition.bounds for partition in list_partitions(connection)]
            if connection.dialect.name == "postgresql"
            else []
        )
        some: list[list[Bounds] | None] = [None, [], listed, listed[1:], listed[::2], listed[-1:]]
        return {
            (oldest_log(connection, bounds=bounds), oldest_log(connection, errors, bounds=bounds))
            for bounds in some
        }

    found = client.portal.call(db.write, oldest)  # type: ignore[union-attr]
    assert found == {(datetime(1999, 6, 1, 12, tzinfo=UTC), datetime(2001, 3, 3, tzinfo=UTC))}
