"""LogFilter.patterns: every read of logs keeps only the logs of the named patterns."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import gql
from tests.factories import create_logs, log_json
from tests.patterns.support import catch_up, query
from tests.tail.support import tailing
from tests.tail.test_cursors import refusal


def declined(n: int, **overrides: Any) -> dict[str, Any]:
    return log_json(
        **{
            "service": "payment-service",
            "level": "ERROR",
            "message": f"payment {1000 + n} declined after {n * 7} ms",
            "timestamp": f"2025-10-09T{10 + n % 3:02d}:{n:02d}:00+00:00",
            **overrides,
        }
    )


def opened(n: int) -> dict[str, Any]:
    return log_json(service="payment-service", message=f"session {n} opened")


def mined(client: TestClient) -> dict[str, int]:
    """Write the logs and mine them: the id of each template."""
    create_logs(client, *(declined(n) for n in range(7)), *(opened(n) for n in range(4)))
    catch_up(client)
    rows = query(client, "SELECT id, template FROM patterns")
    return {row.template: row.id for row in rows}


DECLINED = "payment <NUM> declined after <NUM> ms"
OPENED = "session <NUM> opened"


def test_logs_and_their_counts_keep_only_the_patterns_logs(client: TestClient) -> None:
    ids = mined(client)
    create_logs(client, declined(9))  # written after mining: no pattern yet
    document = """query($f: LogFilter) {
        logs(filter: $f, limit: 100) { message }
        logsConnection(filter: $f) { totalCount nodes { message } }
        stats(filter: $f) { totalLogs byLevel { level count } }
        histogram(filter: $f, interval: HOUR) { count }
    }"""
    until = "2025-10-09T23:59:59Z"  # a histogram without an end runs until now
    data = gql(client, document, {"f": {"patterns": [str(ids[DECLINED])], "endTime": until}})[
        "data"
    ]
    assert sorted(log["message"] for log in data["logs"]) == sorted(
        declined(n)["message"] for n in range(7)
    )
    assert data["logsConnection"]["totalCount"] == 7
    assert len(data["logsConnection"]["nodes"]) == 7
    assert data["stats"] == {"totalLogs": 7, "byLevel": [{"level": "ERROR", "count": 7}]}
    assert [bucket["count"] for bucket in data["histogram"]] == [3, 2, 2] + [0] * 11


def test_a_pattern_condition_nests_like_any_other(client: TestClient) -> None:
    ids = mined(client)
    document = "query($f: LogFilter) { stats(filter: $f) { totalLogs } }"
    both = {"anyOf": [{"patterns": [str(ids[OPENED])]}, {"patterns": [str(ids[DECLINED])]}]}
    assert gql(client, document, {"f": both})["data"]["stats"]["totalLogs"] == 11
    not_opened = {"not": {"patterns": [str(ids[OPENED])]}}
    assert gql(client, document, {"f": not_opened})["data"]["stats"]["totalLogs"] == 7
    assert gql(client, document, {"f": {"patterns": []}})["data"]["stats"]["totalLogs"] == 0


@pytest.mark.parametrize(
    ("patterns", "field", "reason"),
    [
        (["x1"], "patterns", "must be an integer"),
        (["0"], "patterns", "must be a positive 64-bit integer"),
        ([str(n) for n in range(1, 102)], "patterns", "at most 100 ids"),
        (["987654321"], "patterns", "no pattern has the id 987654321"),
    ],
)
def test_a_bad_pattern_id_is_bad_user_input_naming_patterns(
    client: TestClient, patterns: list[str], field: str, reason: str
) -> None:
    document = "query($f: LogFilter) { logs(filter: $f) { id } }"
    body = gql(client, document, {"f": {"anyOf": [{"patterns": patterns}]}})
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] in (field, f"anyOf[0].{field}")
    assert error["message"].endswith(reason)


def test_the_live_tail_refuses_a_pattern_filter(client: TestClient) -> None:
    ids = mined(client)
    with tailing(client, filter={"patterns": [str(ids[OPENED])]}, wait=False) as ws:
        error = refusal(ws)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "patterns"}, error
