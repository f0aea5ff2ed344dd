"""Mining in OS processes on PostgreSQL: each server's miner is a process of its own, ending
with its server; two servers' miners mine their shares of the services at the same time, and
every log is assigned once, counted once."""

from __future__ import annotations

import os
import signal
import time
from contextlib import closing
from pathlib import Path

import httpx
import psycopg2
import pytest

from testing.server import Server, running_servers
from testing.services import scratch_postgres_database
from tests.factories import log_json
from tests.ops.test_metrics import sample
from tests.patterns.test_mining import login, payment

# A lease shorter than a batch's turn: the processes keep taking mining from each other.
RACING = {"PATTERN_MINE_INTERVAL_SECONDS": "0.05", "PATTERN_LEASE_SECONDS": "0.1"}
# Leases that hold: the processes share the services out and keep them.
SHARING = {"PATTERN_MINE_INTERVAL_SECONDS": "0.05", "PATTERN_LEASE_SECONDS": "3"}
SERVICES = ["payment-service", "auth-service", "search-service", "cart"]


def rows(url: str, sql: str) -> list[tuple[int, ...]]:
    dsn = url.replace("postgresql+psycopg2://", "postgresql://")
    with closing(psycopg2.connect(dsn)) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def post(server: Server, bodies: list[dict[str, object]]) -> None:
    bulk = f"{server.base_url}/api/v1/bulk_logs/"
    httpx.post(bulk, json=bodies, timeout=60).raise_for_status()


def wait_for(url: str, sql: str, expected: object) -> None:
    deadline = time.monotonic() + 120  # generous: a busy machine
    while rows(url, sql) != expected:
        assert time.monotonic() < deadline, f"{sql}: {rows(url, sql)}, not {expected}"
        time.sleep(0.2)


def assert_each_log_assigned_and_counted_once(url: str, logs: int) -> None:
    assert rows(url, "SELECT count(*), count(DISTINCT log_id) FROM log_patterns") == [(logs, logs)]
    for rollup in ("pattern_counts", "pattern_counts_hourly"):
        assert rows(url, f"SELECT sum(count) FROM {rollup}") == [(logs,)]


@pytest.mark.slow
def test_two_processes_racing_for_leases_assign_each_log_once_and_count_it_once() -> None:
    with scratch_postgres_database() as url:
        env = {"DATABASE_URL": url, "ENABLE_ALERTS": "false", **RACING}
        with running_servers(2, env=env) as servers:
            for n in range(0, 200, 20):
                for server, make in zip(servers, (payment, login), strict=True):
                    post(server, [make(k) for k in range(n, n + 20)])
            wait_for(url, "SELECT count(*) FROM log_patterns", [(400,)])
        assert_each_log_assigned_and_counted_once(url, 400)
        assert len(rows(url, "SELECT id FROM patterns")) == 2


def logs_of(service: str, n: int) -> list[dict[str, object]]:
    return [
        log_json(service=service, message=f"{service} handled request {n}-{k} in {k} ms")
        for k in range(25)
    ]


def assigned(server: Server) -> float:
    metrics = httpx.get(f"{server.base_url}/metrics", timeout=30).text
    return sample(metrics, "lograph_pattern_logs_total", outcome="assigned")


@pytest.mark.slow
def test_two_processes_mine_different_services_at_once_and_never_the_same_log() -> None:
    shares = "SELECT count(*) FROM pattern_cursors WHERE lease_until > now() GROUP BY owner"
    with scratch_postgres_database() as url:
        env = {"DATABASE_URL": url, "ENABLE_ALERTS": "false", **SHARING}
        with running_servers(2, env=env) as servers:
            for service in SERVICES:
                post(servers[0], logs_of(service, 0))
            wait_for(url, shares, [(2,), (2,)])  # the services were shared out
            before = [assigned(server) for server in servers]
            for n in range(1, 9):
                for service, server in zip(SERVICES, servers * 2, strict=True):
                    post(server, logs_of(service, n))
                time.sleep(0.1)
            total = 25 * len(SERVICES) * 9
            wait_for(url, "SELECT count(*) FROM log_patterns", [(total,)])
            mined = [assigned(server) - was for server, was in zip(servers, before, strict=True)]
            assert sorted(mined) == [2 * 25 * 8] * 2  # each mined its own two services' logs
        assert_each_log_assigned_and_counted_once(url, total)
        assert len(rows(url, "SELECT id FROM patterns")) == len(SERVICES)


def children(pid: int) -> set[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(child) for child in found}


def nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def miner_of(server: Server) -> int:
    """The server's miner process (the one of its children that mines, not multiprocessing's
    resource tracker)."""
    deadline = time.monotonic() + 60
    while True:
        for child in children(server.pid):
            if "spawn_main" in Path(f"/proc/{child}/cmdline").read_text():
                return child
        assert time.monotonic() < deadline, "no miner process"
        time.sleep(0.1)


def gone(pid: int) -> bool:
    deadline = time.monotonic() + 60
    while Path(f"/proc/{pid}").exists():
        status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if status == "Z" or time.monotonic() > deadline:  # ended, not yet reaped
            return status == "Z"
        time.sleep(0.1)
    return True


@pytest.mark.slow
def test_the_miner_runs_in_a_process_of_its_own_at_a_lower_priority() -> None:
    with scratch_postgres_database() as url:
        env = {"DATABASE_URL": url, "ENABLE_ALERTS": "false", **SHARING}
        with running_servers(1, env=env) as (server,):
            mining = miner_of(server)
            deadline = time.monotonic() + 60  # the process lowers its priority as it starts
            while nice(mining) != nice(server.pid) + 10:
                assert time.monotonic() < deadline, f"nice {nice(mining)}"
                time.sleep(0.1)
            post(server, logs_of("cart", 0))
            wait_for(url, "SELECT count(*) FROM log_patterns", [(25,)])
            assert assigned(server) == 25  # the process tells the server's /metrics
        assert gone(mining)


@pytest.mark.slow
def test_the_miner_process_ends_when_its_server_is_killed() -> None:
    with scratch_postgres_database() as url:
        env = {"DATABASE_URL": url, "ENABLE_ALERTS": "false", **SHARING}
        with running_servers(1, env=env) as (server,):
            mining = miner_of(server)
            server.process.kill()
            assert gone(mining)


@pytest.mark.slow
def test_a_miner_process_that_dies_is_replaced_and_mining_goes_on() -> None:
    with scratch_postgres_database() as url:
        env = {"DATABASE_URL": url, "ENABLE_ALERTS": "false", **SHARING}
        with running_servers(1, env=env) as (server,):
            first = miner_of(server)
            os.kill(first, signal.SIGKILL)
            post(server, logs_of("cart", 0))
            wait_for(url, "SELECT count(*) FROM log_patterns", [(25,)])
            second = miner_of(server)
            assert second != first
        assert gone(second)
