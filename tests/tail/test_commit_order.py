"""Transactions that commit out of id order: the tail and its cursors still deliver each log
exactly once (PostgreSQL, where ids are drawn before commit)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg2
import pytest
from fastapi.testclient import TestClient
from psycopg2.extensions import connection as PgConnection

from tests.alerts.support import assert_silent
from tests.tail.support import edges, ids, tailing

# Each insert names its own service: the hourly-count trigger's upsert would otherwise make
# the second transaction wait for the first.
INSERT = (
    "INSERT INTO logs (timestamp, level, service, message)"
    " VALUES (now(), 'INFO', %s, %s) RETURNING id"
)


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url


@pytest.fixture
def connect(postgres_url: str) -> Iterator[type[PgConnection]]:
    opened: list[PgConnection] = []

    def open_one() -> PgConnection:
        connection = psycopg2.connect(postgres_url.replace("postgresql+psycopg2", "postgresql"))
        opened.append(connection)
        return connection

    yield open_one  # type: ignore[misc]
    for connection in opened:
        connection.close()


def insert(connection: PgConnection, message: str) -> int:
    """Insert in the connection's open transaction; not committed yet."""
    with connection.cursor() as cursor:
        cursor.execute(INSERT, (f"orders-{message}", message))
        row = cursor.fetchone()
        assert row is not None
        return int(row[0])


@pytest.mark.slow
def test_a_log_committed_after_a_higher_id_is_delivered_once(
    client: TestClient, connect: type[PgConnection]
) -> None:
    first, second = connect(), connect()
    with tailing(client) as ws:
        early_id = insert(first, "A")  # id 100, say: drawn first...
        late_id = insert(second, "B")  # ...101 drawn second...
        assert early_id < late_id
        second.commit()  # ...but 101 commits first
        (late,) = edges(ws, 1)
        assert ids([late]) == [late_id]
        assert_silent(ws, within=0.6)  # 100 is not committed: nothing yet, and no skip later
        first.commit()
        (early,) = edges(ws, 1)
        assert ids([early]) == [early_id]
        assert_silent(ws, within=0.6)

    # A client that stopped right after 101 resumes from its cursor and gets 100, once.
    with tailing(client, after=late["cursor"]) as resumed:
        assert ids(edges(resumed, 1)) == [early_id]
        assert_silent(resumed, within=0.6)
    # Resuming from 100's cursor (the last delivered) yields nothing old.
    with tailing(client, after=early["cursor"]) as resumed:
        assert_silent(resumed, within=0.6)


@pytest.mark.slow
def test_a_resume_from_before_the_late_commit_gets_it(
    client: TestClient, connect: type[PgConnection]
) -> None:
    first, second = connect(), connect()
    with tailing(client) as ws:
        early_id = insert(first, "A")
        late_id = insert(second, "B")
        second.commit()
        (late,) = edges(ws, 1)
    # Disconnected: the early transaction commits while nobody is listening.
    first.commit()
    with tailing(client, after=late["cursor"]) as resumed:
        assert ids(edges(resumed, 1)) == [early_id]
        assert_silent(resumed, within=0.6)
        third = connect()
        newest = insert(third, "C")
        third.commit()
        assert ids(edges(resumed, 1)) == [newest]
    assert late_id < newest
