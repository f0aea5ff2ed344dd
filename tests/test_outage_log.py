"""An outage is logged once per interval with a count of what was held back, not once per
failed request."""

from __future__ import annotations

import logging
import time

import pytest
from fastapi.testclient import TestClient

from core.outage_log import OutageLog


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.levelno >= logging.ERROR and record.name.startswith("lograph")
    ]


@pytest.mark.slow
def test_many_failed_requests_log_one_line(
    dead_database: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    for _ in range(20):
        assert dead_database.get("/api/v1/logs/").status_code == 503
        response = dead_database.post("/graphql", json={"query": "{ stats { totalLogs } }"})
        assert response.status_code == 503
        assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    lines = outage_lines(caplog)
    # One line at most: another test may have reported this process's outage moments ago.
    assert len(lines) <= 1, [record.getMessage() for record in lines]
    assert all("database unavailable" in line.getMessage() for line in lines)


def test_the_next_line_counts_what_was_held_back(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    log = OutageLog(logging.getLogger("lograph.test"), interval_seconds=0.2)
    for attempt in range(5):
        log.error("database unavailable: attempt %d", attempt)
    time.sleep(0.25)
    log.error("database unavailable: attempt %d", 5)
    messages = [record.getMessage() for record in outage_lines(caplog)]
    assert messages == [
        "database unavailable: attempt 0",
        "database unavailable: attempt 5 (4 more like it since the last line)",
    ]
