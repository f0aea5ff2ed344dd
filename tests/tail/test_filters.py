"""The tail's filter selects what `logs(filter:)` selects, condition by condition."""

from __future__ import annotations

from contextlib import ExitStack, suppress
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.alerts.support import receive, wait_for
from tests.conftest import gql
from tests.factories import create_logs, log_json
from tests.tail.support import TRANSPORT_WS, start, tailing

FILTERS: list[dict[str, Any]] = [
    {},
    {"level": "ERROR"},
    {"minLevel": "WARN"},
    {"levels": ["INFO", "FATAL"], "minLevel": "WARN"},
    {"service": "api"},
    {"services": ["api", "web"], "service": "web"},
    {"startTime": "2025-10-09T12:30:00Z"},
    {"endTime": "2025-10-09T12:30:00Z"},
    {"messageContains": "TimeOut"},
    {"messageContains": "100%_"},
    {"level": "ERROR", "service": "api", "messageContains": "time"},
    {"metadata": [{"path": "user", "equals": {"id": 42}}]},  # an operand that cannot be hashed
]
LOGS = [
    log_json(level="ERROR", service="api", message="upstream timeout"),
    log_json(level="WARN", service="web", message="slow", timestamp="2025-10-09T12:30:00Z"),
    log_json(level="INFO", service="api", message="100%_ done"),
    log_json(level="FATAL", service="db", message="TIMEOUT", timestamp="2025-10-09T13:00:00Z"),
    log_json(service="web", message="signed in", metadata_={"user": {"id": 42}}),
]
QUERY = "query($f: LogFilter) { logs(filter: $f, limit: 100) { id } }"


@pytest.mark.slow
@pytest.mark.parametrize(
    "filters",
    [FILTERS, FILTERS[1:]],
    ids=["one tail unfiltered (the reader reads every log)", "every tail filtered (pushed down)"],
)
def test_each_filter_tails_what_the_logs_query_selects(
    client: TestClient, filters: list[dict[str, Any]]
) -> None:
    with ExitStack() as stack:
        # At most 10 tails per connection: two sockets, filter i on socket i % 2. Each socket's
        # first subscription has id "1" (filters 0 and 1); the others are named by index.
        sockets = [stack.enter_context(tailing(client, filter=filters[i])) for i in range(2)]
        for index, log_filter in enumerate(filters[2:], start=2):
            start(sockets[index % 2], TRANSPORT_WS, {"filter": log_filter}, op_id=str(index))
        hub = client.app.state.runtime.log_hub  # type: ignore[attr-defined]
        wait_for(lambda: hub.subscriber_count == len(filters), what="every subscription")
        create_logs(client, *LOGS)
        received: dict[int, list[str]] = {index: [] for index in range(len(filters))}
        for socket_index, ws in enumerate(sockets):
            with suppress(TimeoutError):
                while True:
                    message = receive(ws, timeout=0.5)
                    index = socket_index if message["id"] == "1" else int(message["id"])
                    received[index].append(message["payload"]["data"]["logs"]["node"]["id"])
    for index, log_filter in enumerate(filters):
        expected = [log["id"] for log in gql(client, QUERY, {"f": log_filter})["data"]["logs"]]
        # The same logs; the tail sends them in commit order, `logs` by timestamp.
        assert received[index] == sorted(expected, key=int), log_filter
