"""Writes awaited on the event loop (db/loop_writes.py): a call cut short never leaves its
connection, busy with the old statement, for the next call."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from db.loop_writes import LoopWrites
from db.timeouts import Timeouts


def test_a_cancelled_call_closes_its_connection_and_the_next_call_is_prompt(
    postgres_url: str,
) -> None:
    asyncio.run(_a_cancelled_call_closes_its_connection(postgres_url))


async def _a_cancelled_call_closes_its_connection(postgres_url: str) -> None:
    writes = LoopWrites(make_url(postgres_url), size=1, timeouts=Timeouts(statement=0))
    try:
        assert await writes.rows("SELECT %(n)s", {"n": 1}) == [(1,)]
        slow = asyncio.create_task(writes.rows("SELECT pg_sleep(5)", {}))
        await asyncio.sleep(0.3)
        slow.cancel()  # as when the client goes away
        with pytest.raises(asyncio.CancelledError):
            await slow
        started = time.monotonic()
        assert await writes.rows("SELECT %(n)s", {"n": 2}) == [(2,)]
        assert time.monotonic() - started < 2  # a fresh connection, not the sleeping one
    finally:
        writes.close()


def test_a_server_error_keeps_the_connection_and_says_what_failed(postgres_url: str) -> None:
    asyncio.run(_a_server_error_keeps_the_connection(postgres_url))


async def _a_server_error_keeps_the_connection(postgres_url: str) -> None:
    writes = LoopWrites(make_url(postgres_url), size=1, timeouts=Timeouts(statement=0))
    try:
        with pytest.raises(DBAPIError) as raised:
            await writes.rows("SELECT 1 / 0", {})
        assert not raised.value.connection_invalidated
        assert getattr(raised.value.orig, "pgcode", None) == "22012"  # division_by_zero
        assert await writes.rows("SELECT 3", {}) == [(3,)]
    finally:
        writes.close()
