"""Two OS processes mining one PostgreSQL database: every log assigned once, counted once."""

from __future__ import annotations

import time
from contextlib import closing

import httpx
import psycopg2
import pytest

from testing.server import running_servers
from testing.services import scratch_postgres_database
from tests.patterns.test_mining import login, payment

# A lease shorter than a batch's turn: the processes keep taking mining from each other.
RACING = {"PATTERN_MINE_INTERVAL_SECONDS": "0.05", "PATTERN_LEASE_SECONDS": "0.1"}


def rows(url: str, sql: str) -> list[tuple[int, ...]]:
    dsn = url.replace("postgresql+psycopg2://", "postgresql://")
    with closing(psycopg2.connect(dsn)) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


@pytest.mark.slow
def test_two_processes_assign_each_log_once_and_count_it_once() -> None:
    with scratch_postgres_database() as url:
        env = {"DATABASE_URL": url, "ENABLE_ALERTS": "false", **RACING}
        with running_servers(2, env=env) as servers:
            for n in range(0, 200, 20):
                for server, make in zip(servers, (payment, login), strict=True):
                    bodies = [make(k) for k in range(n, n + 20)]
                    bulk = f"{server.base_url}/api/v1/bulk_logs/"
                    httpx.post(bulk, json=bodies, timeout=60).raise_for_status()
            deadline = time.monotonic() + 120  # generous: a busy machine
            while rows(url, "SELECT count(*) FROM log_patterns")[0][0] < 400:
                assert time.monotonic() < deadline, "the logs were not all mined"
                time.sleep(0.2)
        assert rows(url, "SELECT count(*), count(DISTINCT log_id) FROM log_patterns") == [
            (400, 400)
        ]
        assert rows(url, "SELECT sum(count) FROM pattern_counts") == [(400,)]
        assert len(rows(url, "SELECT id FROM patterns")) == 2
