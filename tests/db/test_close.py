"""Closing the database leaves no server connection open behind it."""

from __future__ import annotations

import pytest

from db.engine import Database

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("pool", ["transactions", "autocommit reads"])
def test_a_connection_handed_back_after_close_is_closed_not_pooled(
    postgres_url: str, pool: str
) -> None:
    """As a call that outlived its request or task (a maintenance pass at shutdown) does."""
    database = Database(postgres_url)
    engine = dict(zip(["transactions", "autocommit reads"], database.engines, strict=True))[pool]
    connection = engine.connect()
    dbapi_connection = connection.connection.dbapi_connection
    database.close()
    connection.close()
    assert dbapi_connection is not None
    assert dbapi_connection.closed
