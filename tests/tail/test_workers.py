"""Real app processes on one PostgreSQL: tails on each worker see writes through both, resume
across workers after a forced disconnect, and without Redis each still sees the other's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import redis

from testing.server import Server, free_port, running_servers
from testing.services import REDIS_URL, require_redis, scratch_postgres_database
from tests.conftest import REDIS_TURN
from tests.tail.support import GRAPHQL_WS, TRANSPORT_WS
from tests.tail.workers import bulk, node_ids, tail_on, wait_subscribed

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def env(database_url: str, redis_url: str, **more: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "ENABLE_ALERTS": "false", **more}


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    """Two workers sharing PostgreSQL and Redis, for the module's tests together."""
    require_redis()
    with REDIS_TURN.held():
        yield from _workers(tmp_path_factory)


def _workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    shared = redis.Redis.from_url(REDIS_URL)
    shared.flushdb()
    folder = tmp_path_factory.mktemp("tail-workers")
    with (
        scratch_postgres_database() as database_url,
        running_servers(2, env=env(database_url, REDIS_URL), log_dir=folder) as started,
    ):
        yield started
    shared.close()


@pytest.fixture(scope="module")
def lonely_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    """Two workers whose Redis never answers."""
    folder: Path = tmp_path_factory.mktemp("tail-no-redis")
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    with (
        scratch_postgres_database() as database_url,
        running_servers(2, env=env(database_url, nowhere), log_dir=folder) as started,
    ):
        yield started


@pytest.mark.slow
def test_tails_on_each_worker_get_every_write_through_both_once(workers: list[Server]) -> None:
    with ExitStack() as stack:
        tails = [
            stack.enter_context(tail_on(server.ws, protocol=protocol))
            for server in workers
            for protocol in (TRANSPORT_WS, GRAPHQL_WS)
        ]
        for server in workers:
            wait_subscribed(server.base_url)
        written = []
        for round_ in range(3):
            for server in workers:
                written += bulk(server.base_url, 50 + round_)
        for tail in tails:
            received = node_ids(tail.edges(len(written)))
            assert sorted(received) == sorted(written)  # each once
            assert tail.message(timeout=0.3) is None


@pytest.mark.slow
def test_resume_on_the_other_worker_after_a_forced_disconnect_mid_bulk(
    workers: list[Server],
) -> None:
    written: list[int] = []

    def write() -> None:
        for index in range(20):
            written.extend(bulk(workers[index % 2].base_url, 500, service="resume"))

    writer = threading.Thread(target=write)
    with tail_on(workers[0].ws, filter={"service": "resume"}) as first:
        wait_subscribed(workers[0].base_url)
        writer.start()
        before = first.edges(2500)
        assert len(before) == 2500
        first.socket.socket.close()  # the connection drops: no close frame, no unsubscribe
    after_cursor = before[-1]["cursor"]
    with tail_on(workers[1].ws, filter={"service": "resume"}, after=after_cursor) as second:
        writer.join()
        after = second.edges(len(written) - len(before), timeout=60)
        received = node_ids(before) + node_ids(after)
        assert len(received) == len(set(received)) == len(written)
        assert set(received) == set(written)
        assert second.message(timeout=0.5) is None


@pytest.mark.slow
def test_without_redis_each_worker_tails_what_the_other_writes(
    lonely_workers: list[Server],
) -> None:
    with tail_on(lonely_workers[1].ws, filter={"service": "lonely"}) as tail:
        wait_subscribed(lonely_workers[1].base_url)
        written = bulk(lonely_workers[0].base_url, 3, service="lonely")
        assert node_ids(tail.edges(3, timeout=5)) == written  # within a poll (0.25 s)
