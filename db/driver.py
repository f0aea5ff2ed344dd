"""Statements with a fixed SQL text, run on the driver's own cursor.

For the quickest statements lograph runs (a first page of logs, one log written), SQLAlchemy's
execution (cache key, execution context, parameter and result processing, row objects) cost
as much CPU as the rest of the request's database work. Callers compile their statement to SQL
text once and run it here. Driver errors are raised as SQLAlchemy raises them, so that
db.engine tells timeouts and outages apart exactly as for any other statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection


def driver_rows(
    connection: Connection, sql: str, params: Mapping[str, Any] | Sequence[Any]
) -> Sequence[Sequence[Any]]:
    """All rows `sql` returns, as the driver gives them (no type processing)."""
    driver = connection.connection.dbapi_connection
    assert driver is not None  # a checked-out connection
    cursor = driver.cursor()
    try:
        cursor.execute(sql, params)
        rows: Sequence[Sequence[Any]] = cursor.fetchall()
    except connection.dialect.loaded_dbapi.Error as error:
        # What SQLAlchemy's own execution does with a driver error (private, and pinned in
        # requirements.txt): wrap it, and on a disconnect invalidate this connection and
        # every one pooled beside it, as they all died with the server.
        connection._handle_dbapi_exception(error, sql, params, cursor, None)
    finally:
        cursor.close()
    return rows
