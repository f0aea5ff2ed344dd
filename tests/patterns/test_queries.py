"""`patterns`, `Pattern` and `Log.pattern`: counts equal to a direct count, read a page at once."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import gql
from tests.factories import create_logs, log_json
from tests.patterns.support import query, statements
from tests.patterns.test_filter import DECLINED, OPENED, declined, mined, opened

FIELDS = "id service template count firstSeen lastSeen byLevel { level count }"
UNTIL = "2025-10-09T23:59:59Z"  # histograms without an end run until now
LATE = "2025-10-10T09:00:00+00:00"


def patterns(client: TestClient, arguments: str = "", fields: str = FIELDS) -> Any:
    body = gql(client, f"{{ patterns{arguments} {{ {fields} }} }}")
    assert "errors" not in body, body
    return body["data"]["patterns"]


def test_counts_equal_a_direct_count_of_the_filtered_logs(client: TestClient) -> None:
    create_logs(client, *(declined(n, level="WARN") for n in range(7, 10)))
    ids = mined(client)
    since = "2025-10-09T11:00:00Z"
    found = patterns(client, f'(filter: {{startTime: "{since}", service: "payment-service"}})')
    direct = query(
        client,
        "SELECT a.pattern_id, l.level, count(*) AS n FROM logs l"
        " JOIN log_patterns a ON a.log_id = l.id"
        " WHERE l.timestamp >= '2025-10-09 11:00:00' GROUP BY a.pattern_id, l.level",
    )
    expected: dict[str, dict[str, int]] = {}
    for row in direct:
        expected.setdefault(str(row.pattern_id), {})[row.level] = row.n
    assert {p["id"]: p["count"] for p in found} == {k: sum(v.values()) for k, v in expected.items()}
    assert {p["id"]: {c["level"]: c["count"] for c in p["byLevel"]} for p in found} == expected
    assert [p["template"] for p in found] == [DECLINED, OPENED]  # most logs first
    assert {p["id"] for p in found} == {str(n) for n in ids.values()}


def test_a_pattern_is_listed_with_its_sample_and_its_histogram(client: TestClient) -> None:
    ids = mined(client)
    fields = "id sample { message } histogram(interval: HOUR) { start count }"
    (found,) = patterns(client, f'(filter: {{level: ERROR, endTime: "{UNTIL}"}})', fields)
    assert found["id"] == str(ids[DECLINED])
    assert found["sample"]["message"] == declined(6)["message"]  # the last one written
    direct = gql(
        client,
        "query($f: LogFilter) { histogram(filter: $f, interval: HOUR) { start count } }",
        {"f": {"level": "ERROR", "endTime": UNTIL, "patterns": [found["id"]]}},
    )["data"]["histogram"]
    assert found["histogram"] == direct


def test_order_and_first_pick_the_patterns(client: TestClient) -> None:
    create_logs(client, log_json(service="web", message="cache 1 warmed", timestamp=LATE))
    mined(client)
    by_count = patterns(client, "(first: 2)", "template")
    assert [p["template"] for p in by_count] == [DECLINED, OPENED]
    newest = patterns(client, "(first: 1, order: LAST_SEEN_DESC)", "template")
    assert newest == [{"template": "cache <NUM> warmed"}]
    assert patterns(client, "(first: 0)", "id") == []


@pytest.mark.parametrize("first", [1001, -1])
def test_first_out_of_range_is_bad_user_input_naming_first(client: TestClient, first: int) -> None:
    (error,) = gql(client, f"{{ patterns(first: {first}) {{ id }} }}")["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}


def test_a_page_of_logs_reads_its_patterns_in_one_go(client: TestClient) -> None:
    ids = mined(client)
    create_logs(client, opened(99))  # not mined: no pattern yet
    document = "{ logs(limit: 100) { message pattern { id template count } } }"
    with statements(client) as run:
        body = gql(client, document)
    pages = [sql for sql in run if "log_patterns" in sql or "pattern_counts" in sql]
    assert len(pages) == 2, pages  # which pattern each log has; then their counts
    by_message = {log["message"]: log["pattern"] for log in body["data"]["logs"]}
    assert by_message.pop(opened(99)["message"]) is None
    assert by_message[opened(1)["message"]] == {
        "id": str(ids[OPENED]),
        "template": OPENED,
        "count": 4,
    }
    assert len(by_message) == 11
