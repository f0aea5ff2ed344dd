"""`GET /loki/api/v1/patterns`: a service's patterns and their logs per step, in Loki's shape."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.access.support import ADMIN_KEY, bearer, create_key
from tests.factories import create_logs
from tests.patterns.support import catch_up, query
from tests.patterns.test_filter import declined, opened

PATTERNS = "/loki/api/v1/patterns"
SELECTOR = '{service_name="payment-service"}'
DAY = {"start": "2025-10-09T00:00:00Z", "end": "2025-10-09T23:59:59Z"}


def mined(client: TestClient) -> None:
    create_logs(client, *(declined(n) for n in range(7)), *(opened(n) for n in range(4)))
    create_logs(client, declined(1, service="web"))  # another service
    catch_up(client)


def ask(client: TestClient, **params: str) -> Any:
    response = client.get(PATTERNS, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_services_patterns_come_with_their_logs_per_step(client: TestClient) -> None:
    mined(client)
    body = ask(client, query=SELECTOR, step="1h", **DAY)
    assert body["status"] == "success"
    hour = 1760004000  # 2025-10-09T10:00:00Z
    assert body["data"] == [
        {
            "pattern": "payment <_> declined after <_> ms",
            "samples": [[hour, 3], [hour + 3600, 2], [hour + 7200, 2]],
        },
        {"pattern": "session <_> opened", "samples": [[hour + 7200, 4]]},
    ]


def test_sample_counts_add_up_to_a_direct_count(client: TestClient) -> None:
    mined(client)
    start, end = "1760004000", "1760014800000000000"  # seconds, then nanoseconds
    body = ask(client, query=SELECTOR, start=start, end=end, step="600")
    direct = query(
        client,
        "SELECT count(*) AS n FROM logs l JOIN log_patterns a ON a.log_id = l.id"
        " WHERE l.service = 'payment-service'",
    )
    assert sum(n for one in body["data"] for _ts, n in one["samples"]) == direct[0].n


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({}, "parse error"),
        ({"query": "payment-service"}, "parse error"),
        ({"query": '{service_name=~"pay.*"}'}, "parse error"),
        ({"query": '{env="prod"}'}, "label 'env'"),
        ({"query": SELECTOR, "start": "yesterday"}, "invalid parameter 'start'"),
        ({"query": SELECTOR, "step": "0.5"}, "invalid parameter 'step'"),
        ({"query": SELECTOR, "step": "nan"}, "invalid parameter 'step'"),
        ({"query": SELECTOR, "step": "99999999999w"}, "invalid parameter 'step'"),
        ({"query": SELECTOR, "step": "10ms"}, "invalid parameter 'step'"),
        ({"query": SELECTOR, "end": "99999999999999999999.5"}, "invalid parameter 'end'"),
        ({"query": SELECTOR, "step": "1s", **DAY}, "maximum resolution"),
        ({"query": SELECTOR, "start": DAY["end"], "end": DAY["start"]}, "end timestamp"),
    ],
)
def test_a_bad_request_is_400_in_plain_text_as_loki_answers(
    module_client: TestClient, params: dict[str, str], reason: str
) -> None:
    response = module_client.get(PATTERNS, params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert reason in response.text


@pytest.mark.parametrize(
    "settings_overrides",
    [{"enable_alerts": False, "auth_required": True, "admin_api_key": ADMIN_KEY}],
)
def test_reading_patterns_needs_the_read_scope(client: TestClient) -> None:
    params = {"query": SELECTOR}
    shipper = create_key(client, "shipper", "INGEST")
    reader = create_key(client, "grafana", "READ")
    assert client.get(PATTERNS, params=params).status_code == 401
    assert client.get(PATTERNS, params=params, headers=bearer(shipper)).status_code == 403
    assert client.get(PATTERNS, params=params, headers=bearer(reader)).status_code == 200
