"""Reaching the real PostgreSQL and Redis on loopback, or skipping when they are absent."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from testing.database import scratch_database

REDIS_URL = os.environ.get("LOGRAPH_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    """Skip when the service is down, unless CI demands every service (then fail)."""
    if _reachable(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if os.environ.get("LOGRAPH_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " and LOGRAPH_REQUIRE_SERVICES=1")
    pytest.skip(message)


def require_postgres() -> None:
    require("PostgreSQL", "127.0.0.1", 5432)


def require_redis() -> None:
    require("Redis", "127.0.0.1", 6379)


@contextmanager
def scratch_postgres_database() -> Iterator[str]:
    """A throwaway database on the test server, so parallel suites never share tables."""
    require_postgres()
    with scratch_database("lograph_test") as database:
        yield database.sqlalchemy_url
