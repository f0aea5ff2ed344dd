"""Ingest test helpers: what was stored, and a real app process for clients that need a URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from testing.server import Server, production_options, running_server
from testing.services import scratch_postgres_database
from tests.conftest import BACKENDS


def stored(client: TestClient) -> list[dict[str, Any]]:
    """Every log in the database, oldest id first, as the legacy REST API returns them."""
    response = client.get("/api/v1/logs/", params={"limit": 1000})
    assert response.status_code == 200, response.text
    logs: list[dict[str, Any]] = response.json()
    return logs


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A real app process served as in production, on each backend in turn."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('ingest') / 'lograph.db'}"
        else:
            url = stack.enter_context(scratch_postgres_database())
        yield stack.enter_context(running_server(database_url=url, options=production_options()))


def logs_of(server: Server, service: str) -> list[dict[str, Any]]:
    """The logs one service wrote, oldest first."""
    response = httpx.get(
        f"{server.base_url}/api/v1/logs/filter", params={"service": service, "limit": 1000}
    )
    assert response.status_code == 200, response.text
    logs: list[dict[str, Any]] = sorted(response.json(), key=lambda log: log["id"])
    return logs
