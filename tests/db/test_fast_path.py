"""DATABASE_FAST_PATH: off, statements with a fixed SQL text go through SQLAlchemy's execution
and single writes through a worker thread, with the same answers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import Connection

from db.driver import driver_rows
from db.engine import Database


@pytest.mark.parametrize("fast_path", [True, False])
def test_the_switch_decides_whether_statements_go_past_sqlalchemy(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, fast_path: bool
) -> None:
    through_sqlalchemy: list[str] = []
    exec_driver_sql = Connection.exec_driver_sql

    def recording(self: Connection, sql: str, *args: Any, **kwargs: Any) -> Any:
        through_sqlalchemy.append(sql)
        return exec_driver_sql(self, sql, *args, **kwargs)

    monkeypatch.setattr(Connection, "exec_driver_sql", recording)
    db = Database(postgres_url, fast_path=fast_path)
    try:
        sql = "SELECT %(n)s"
        rows = asyncio.run(db.read(lambda connection: driver_rows(connection, sql, {"n": 7})))
        assert [tuple(row) for row in rows] == [(7,)]
        assert through_sqlalchemy.count(sql) == (0 if fast_path else 1)
        assert (db.loop_writes is not None) == fast_path
    finally:
        db.close()
