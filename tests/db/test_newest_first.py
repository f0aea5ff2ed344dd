"""Newest-first pages with no lower time bound (db/newest_first.py) select exactly what the
statement built per request selects, across today, the past, the far past and the future."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import DBAPIError

from db import newest_first
from db.cursors import keyset_page
from db.generic_plans import MAX_PREPARED
from db.keyset import Position
from db.levels import Level
from db.logs import LOG_COLUMNS, LogCriteria, LogRecord, filtered, find_logs, log_record
from db.metadata import MetadataTest, Operator
from db.models import logs
from db.timeouts import is_statement_timeout
from tests.factories import create_logs, log_json

REQUEST = MetadataTest(("request_id",), Operator.EQUALS, "r1")
UNBOUNDED = [
    LogCriteria(metadata=(REQUEST,)),
    LogCriteria(message_contains="zeppelin"),
    LogCriteria(message_contains="zeppelin", levels=frozenset({Level.ERROR})),
    LogCriteria(message_contains="zeppelin", levels=frozenset({Level.ERROR, Level.INFO})),
    LogCriteria(),
    LogCriteria(levels=frozenset({Level.ERROR})),
    LogCriteria(message_contains="ze"),
]


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def needle_log(stamp: datetime | str, **overrides: Any) -> dict[str, Any]:
    instant = stamp if isinstance(stamp, str) else stamp.isoformat()
    body = {"message": "a zeppelin passed", "metadata_": {"request_id": "r1"}, **overrides}
    return log_json(timestamp=instant, **body)


def store(client: TestClient) -> TestClient:
    """Logs today, in the past, the far past and the future, most of them needles."""
    create_logs(
        client,
        needle_log(ago(minutes=1)),
        needle_log(ago(minutes=2), level="ERROR"),
        needle_log(ago(days=-2)),
        needle_log(ago(days=1)),
        needle_log(ago(days=10), level="ERROR"),
        needle_log(ago(days=10)),
        needle_log(ago(days=500)),
        needle_log("0001-01-01T00:00:00+00:00", level="ERROR"),
        needle_log("9999-12-31T23:59:59.999999+00:00"),
        log_json(timestamp=ago(minutes=3).isoformat(), message="nothing", metadata_={}),
        log_json(timestamp=ago(days=3).isoformat(), metadata_={"request_id": "r2"}),
    )
    return client


@pytest.fixture
def stored(client: TestClient) -> TestClient:
    """The logs in a new app's database, for tests that watch its connections or write."""
    return store(client)


@pytest.fixture(scope="module")
def stored_once(module_client: TestClient) -> TestClient:
    """The logs written once for a module's tests that only read them."""
    return store(module_client)


def _built(connection: Connection, criteria: LogCriteria, limit: int) -> list[LogRecord]:
    order = [logs.c.timestamp.desc(), logs.c.id.desc()]
    statement = filtered(select(*LOG_COLUMNS), criteria).order_by(*order).limit(limit)
    return [log_record(row) for row in connection.execute(statement)]


def _both(client: TestClient, criteria: LogCriteria, limit: int) -> tuple[Any, Any, bool]:
    """The page found, the page built, and whether it was a needle search (PostgreSQL)."""
    db = client.app.state.runtime.db  # type: ignore[attr-defined]

    def read(connection: Connection) -> tuple[list[LogRecord], list[LogRecord], bool]:
        postgres = connection.dialect.name == "postgresql"
        found = find_logs(connection, criteria, skip=0, limit=limit, descending=True)
        built = _built(connection, criteria, limit)
        return found, built, newest_first.applies(connection, criteria) == postgres

    return client.portal.call(db.read, read)  # type: ignore[union-attr,no-any-return]


@pytest.mark.parametrize("criteria", UNBOUNDED)
@pytest.mark.parametrize("limit", [1, 3, 50])
@pytest.mark.parametrize(
    "end", [None, timedelta(days=5), timedelta(days=-1), datetime(1, 1, 1, 5, tzinfo=UTC)]
)
def test_a_page_unbounded_below_selects_what_the_built_statement_selects(
    stored_once: TestClient, criteria: LogCriteria, limit: int, end: timedelta | datetime | None
) -> None:
    end_time = ago() - end if isinstance(end, timedelta) else end
    bounded = replace(criteria, end_time=end_time)
    for _ in range(2):  # the second time from the statement the connection prepared
        found, built, newest_first_on_postgres = _both(stored_once, bounded, limit)
        assert found == built
        assert newest_first_on_postgres
        assert all(log.timestamp.utcoffset() == timedelta(0) for log in found)


def test_a_needle_search_sees_a_partition_created_after_it_was_prepared(
    stored: TestClient,
) -> None:
    criteria = LogCriteria(metadata=(REQUEST,))
    before, _, _ = _both(stored, criteria, 50)
    create_logs(stored, needle_log("1500-05-05T00:00:00+00:00"))  # a new year partition
    after, built, _ = _both(stored, criteria, 50)
    assert after == built
    assert len(after) == len(before) + 1


def test_only_what_an_index_finds_in_each_partition_is_a_needle() -> None:
    assert [newest_first.is_needle(criteria) for criteria in UNBOUNDED[:4]] == [True] * 4
    others = [
        *UNBOUNDED[4:],  # no needle; too short for trigrams
        LogCriteria(metadata=(MetadataTest(("a", "0"), Operator.EQUALS, 1),)),  # key or index
        LogCriteria(metadata=(MetadataTest(("a",), Operator.CONTAINS, "x"),)),
    ]
    assert [newest_first.is_needle(criteria) for criteria in others] == [False] * len(others)


def test_a_connection_keeps_a_few_needle_statements_and_answers_past_them(
    stored: TestClient,
) -> None:
    db = stored.app.state.runtime.db  # type: ignore[attr-defined]
    shapes = [LogCriteria(metadata=(REQUEST,) * count) for count in range(1, MAX_PREPARED + 3)]

    def read(connection: Connection) -> tuple[bool, int]:
        same = all(
            find_logs(connection, criteria, skip=0, limit=2, descending=True)
            == _built(connection, criteria, 2)
            for criteria in shapes * 2
        )
        if connection.dialect.name != "postgresql":
            return same, 0
        kept = connection.execute(text("SELECT count(*) FROM pg_prepared_statements"))
        return same, kept.scalar_one()

    same, kept = stored.portal.call(db.read, read)  # type: ignore[union-attr]
    assert same
    assert kept <= MAX_PREPARED


@pytest.mark.parametrize("criteria", UNBOUNDED)
def test_cursor_pages_unbounded_below_walk_what_the_built_statement_selects(
    stored_once: TestClient, criteria: LogCriteria
) -> None:
    db = stored_once.app.state.runtime.db  # type: ignore[attr-defined]

    def walk(connection: Connection) -> tuple[list[LogRecord], list[LogRecord]]:
        walked: list[LogRecord] = []
        after = None
        while page := keyset_page(connection, criteria, descending=True, after=after, limit=2):
            walked += page
            after = Position(page[-1].timestamp, page[-1].id)
        return walked, _built(connection, criteria, 100)

    walked, built = stored_once.portal.call(db.read, walk)  # type: ignore[union-attr]
    assert walked == built


def test_a_needle_search_cut_short_in_a_transaction_answers_the_timeout(
    stored: TestClient,
) -> None:
    """The older partitions' statement runs with JIT off for itself only: when the statement
    timeout cancels it inside a transaction, the error is the timeout's, and the connection's
    setting is as before."""
    db = stored.app.state.runtime.db  # type: ignore[attr-defined]
    if db.is_sqlite:
        pytest.skip("the older partitions' statement is PostgreSQL's")
    old = "SELECT DISTINCT tableoid::regclass::text FROM logs WHERE timestamp BETWEEN %s AND %s"
    with db.engine.connect() as holder, db.engine.connect() as reader:
        (partition,) = holder.exec_driver_sql(old, (ago(days=11), ago(days=9))).scalars()
        holder.exec_driver_sql("SET statement_timeout = 0")
        holder.exec_driver_sql(f"LOCK TABLE {partition} IN ACCESS EXCLUSIVE MODE")
        reader.exec_driver_sql("SET LOCAL statement_timeout = 300")
        with pytest.raises(DBAPIError) as raised:
            find_logs(reader, LogCriteria(metadata=(REQUEST,)), skip=0, limit=50, descending=True)
        assert is_statement_timeout(raised.value)
        reader.rollback()
        assert (
            reader.exec_driver_sql("SHOW jit").scalar_one()
            == holder.exec_driver_sql("SHOW jit").scalar_one()
        )
        holder.rollback()


def test_a_needle_search_leaves_the_readers_settings_as_they_were(stored: TestClient) -> None:
    db = stored.app.state.runtime.db  # type: ignore[attr-defined]
    if db.is_sqlite:
        pytest.skip("the older partitions' statement is PostgreSQL's")

    def read(connection: Connection) -> tuple[str, str]:
        before = connection.exec_driver_sql("SHOW jit").scalar_one()
        find_logs(connection, LogCriteria(metadata=(REQUEST,)), skip=0, limit=50, descending=True)
        return before, connection.exec_driver_sql("SHOW jit").scalar_one()

    before, after = stored.portal.call(db.read, read)  # type: ignore[union-attr]
    assert after == before


@pytest.mark.parametrize("capped", [1, 8, 9, 10, 200])
@pytest.mark.parametrize("limit", [1, 3, 50])
def test_a_needle_read_everywhere_at_once_or_in_two_parts_selects_the_same(
    stored_once: TestClient, monkeypatch: pytest.MonkeyPatch, capped: int, limit: int
) -> None:
    """Fewer matches than the cap (9 here): the page from every partition at once; as many
    or more: the two parts."""
    monkeypatch.setattr(newest_first, "CAPPED", capped)
    for criteria in [
        LogCriteria(metadata=(REQUEST,)),
        LogCriteria(metadata=(REQUEST,), levels=frozenset({Level.ERROR})),
        LogCriteria(metadata=(MetadataTest(("request_id",), Operator.EQUALS, "none"),)),
    ]:
        found, built, _ = _both(stored_once, criteria, limit)
        assert found == built
