"""/metrics: what it counts, who may read it, and counts that add up across workers."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from testing.server import running_servers
from tests.access.support import ADMIN_KEY, bearer
from tests.alerts.support import wait_for
from tests.factories import create_logs, log_json
from tests.tail.support import tailing


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


def test_metrics_count_requests_logs_and_operations(client: TestClient) -> None:
    before = client.get("/metrics").text
    create_logs(client, log_json(level="ERROR"), log_json(level="ERROR"), log_json(level="INFO"))
    client.post("/graphql", json={"query": "{ stats { totalLogs } }"})
    after = client.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    ingested = "lograph_logs_ingested_total"
    assert sample(text, ingested, level="ERROR") - sample(before, ingested, level="ERROR") == 2
    route = {"route": "/api/v1/bulk_logs/", "method": "POST", "status": "200"}
    requests = "lograph_http_requests_total"
    assert sample(text, requests, **route) - sample(before, requests, **route) == 1
    operations = "lograph_graphql_operations_total"
    assert sample(text, operations, type="query", outcome="ok") >= 1
    assert "lograph_db_pool_connections_in_use" in text


def test_every_route_is_labelled_by_its_path_and_only_misses_are_unmatched(
    client: TestClient,
) -> None:
    """/openapi.json is a plain Starlette route, which FastAPI's router matches without
    naming it in the scope: it was counted as `unmatched`."""
    requests = "lograph_http_requests_total"
    before = client.get("/metrics").text
    for path in ("/openapi.json", "/docs", "/healthz", "/no-such-page"):
        client.get(path)
    text = client.get("/metrics").text
    for route, status in (
        ("/openapi.json", "200"),
        ("/docs", "200"),
        ("/healthz", "200"),
        ("unmatched", "404"),
    ):
        labels = {"route": route, "method": "GET", "status": status}
        assert sample(text, requests, **labels) - sample(before, requests, **labels) == 1, route
    unmatched = {"route": "unmatched", "method": "GET", "status": "200"}
    assert sample(text, requests, **unmatched) == sample(before, requests, **unmatched)


class TestPrivateMetrics:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"enable_alerts": False, "metrics_public": False, "admin_api_key": ADMIN_KEY}

    def test_metrics_need_an_admin_key_unless_public(self, client: TestClient) -> None:
        assert client.get("/metrics").status_code == 200  # anonymous is admin without AUTH
        assert client.get("/metrics", headers=bearer("lg_unknown")).status_code == 401
        assert client.get("/metrics", headers=bearer(ADMIN_KEY)).status_code == 200


@pytest.mark.slow
def test_two_workers_scrape_to_the_same_sums(tmp_path: Path) -> None:
    metrics_dir = tempfile.mkdtemp(dir=tmp_path)
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'metrics.db'}",
        "ENABLE_ALERTS": "false",
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
    }
    with running_servers(1, env=env, workers=2) as (server,):
        for _ in range(40):  # new connections: the kernel spreads them over both workers
            httpx.get(f"{server.base_url}/api/v1/stats/", timeout=30).raise_for_status()
        scrapes = [httpx.get(f"{server.base_url}/metrics", timeout=30).text for _ in range(6)]
        pids = {p.name.split("_")[-1] for p in Path(metrics_dir).glob("*.db")}
    route = {"route": "/api/v1/stats/", "method": "GET", "status": "200"}
    counts = {sample(text, "lograph_http_requests_total", **route) for text in scrapes}
    assert counts == {40.0}
    assert len(pids) >= 2, "both workers wrote samples"


def test_live_tails_count_as_active_subscriptions_of_their_kind(client: TestClient) -> None:
    def active(kind: str) -> float:
        return sample(client.get("/metrics").text, "lograph_subscriptions_active", kind=kind)

    before, alerts = active("logs"), active("alerts")
    with tailing(client):
        wait_for(lambda: active("logs") == before + 1, what="the tail counted")
        assert active("alerts") == alerts
    wait_for(lambda: active("logs") == before, what="the tail uncounted")
