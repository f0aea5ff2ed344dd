"""Statements with a fixed SQL text, run on the driver's own cursor.

For the quickest statements lograph runs (a first page of logs, one log written), SQLAlchemy's
execution (cache key, execution context, parameter and result processing, row objects) cost
as much CPU as the rest of the request's database work. Callers compile their statement to SQL
text once and run it here. Driver errors are raised as SQLAlchemy raises them, so that
db.engine tells timeouts and outages apart exactly as for any other statement. With
DATABASE_FAST_PATH=false (`Database(fast_path=False)` sets DRIVER_CURSORS off on its
connections) the same text goes through SQLAlchemy's own `exec_driver_sql` instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from internals.sqlalchemy import raise_as_sqlalchemy

# A connection's execution option: False sends driver_rows through SQLAlchemy's execution.
DRIVER_CURSORS = "lograph_driver_cursors"


def driver_rows(
    connection: Connection, sql: str, params: Mapping[str, Any] | Sequence[Any]
) -> Sequence[Sequence[Any]]:
    """All rows `sql` returns, as the driver gives them (no type processing)."""
    if not connection.get_execution_options().get(DRIVER_CURSORS, True):
        return connection.exec_driver_sql(sql, params).all()
    driver = connection.connection.dbapi_connection
    assert driver is not None  # a checked-out connection
    cursor = driver.cursor()
    try:
        cursor.execute(sql, params)
        rows: Sequence[Sequence[Any]] = cursor.fetchall()
    except connection.dialect.loaded_dbapi.Error as error:
        raise_as_sqlalchemy(connection, error, sql=sql, params=params, cursor=cursor)
    finally:
        cursor.close()
    return rows
