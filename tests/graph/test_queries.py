"""`Query.logs`, `Query.log` and `Query.stats` as a GraphiQL user runs them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import gql
from tests.factories import create_logs, log_json

LOGS = """
query Logs($filter: LogFilter, $skip: Int, $limit: Int, $order: SortOrder) {
  logs(filter: $filter, skip: $skip, limit: $limit, order: $order) {
    id timestamp level service message metadata
  }
}
"""


def find(client: TestClient, **variables: Any) -> list[dict[str, Any]]:
    body = gql(client, LOGS, variables)
    assert "errors" not in body, body
    logs: list[dict[str, Any]] = body["data"]["logs"]
    return logs


def seed(client: TestClient) -> list[dict[str, Any]]:
    return create_logs(
        client,
        log_json(level="DEBUG", service="api", message="cache miss", timestamp="2025-01-01T00:00Z"),
        log_json(level="WARN", service="api", message="Slow query", timestamp="2025-01-01T01:00Z"),
        log_json(
            level="ERROR", service="pay", message="card DECLINED", timestamp="2025-01-01T02:00Z"
        ),
        log_json(
            level="FATAL", service="pay", message="out of memory", timestamp="2025-01-01T03:00Z"
        ),
    )


def test_logs_default_to_newest_first(client: TestClient) -> None:
    seed(client)
    assert [log["message"] for log in find(client)] == [
        "out of memory",
        "card DECLINED",
        "Slow query",
        "cache miss",
    ]


def test_logs_ascending_order(client: TestClient) -> None:
    seed(client)
    assert find(client, order="ASC")[0]["message"] == "cache miss"


def test_min_level_means_that_level_and_above(client: TestClient) -> None:
    seed(client)
    levels = {log["level"] for log in find(client, filter={"minLevel": "WARN"})}
    assert levels == {"WARN", "ERROR", "FATAL"}


def test_level_levels_and_min_level_all_must_hold(client: TestClient) -> None:
    seed(client)
    found = find(client, filter={"levels": ["DEBUG", "ERROR"], "minLevel": "WARN"})
    assert [log["level"] for log in found] == ["ERROR"]
    assert find(client, filter={"level": "DEBUG", "minLevel": "WARN"}) == []


def test_services_filter(client: TestClient) -> None:
    seed(client)
    assert {log["service"] for log in find(client, filter={"services": ["pay"]})} == {"pay"}
    assert find(client, filter={"service": "api", "services": ["pay"]}) == []


def test_message_contains_is_case_insensitive(client: TestClient) -> None:
    seed(client)
    found = find(client, filter={"messageContains": "declined"})
    assert [log["message"] for log in found] == ["card DECLINED"]


def test_message_contains_treats_wildcards_literally(client: TestClient) -> None:
    create_logs(client, log_json(message="100% done"), log_json(message="1000 done"))
    assert [log["message"] for log in find(client, filter={"messageContains": "0%"})] == [
        "100% done"
    ]


def test_time_bounds_are_inclusive_and_naive_input_is_utc(client: TestClient) -> None:
    seed(client)
    window = {"startTime": "2025-01-01T01:00:00", "endTime": "2025-01-01T02:00:00+00:00"}
    found = find(client, filter=window)
    assert [log["timestamp"] for log in found] == [
        "2025-01-01T02:00:00+00:00",
        "2025-01-01T01:00:00+00:00",
    ]


def test_skip_and_limit_page_through(client: TestClient) -> None:
    seed(client)
    first = find(client, limit=2)
    second = find(client, skip=2, limit=2)
    assert len(first) == len(second) == 2
    assert {log["id"] for log in first}.isdisjoint(log["id"] for log in second)


def test_limit_above_1000_is_an_error_not_clipped(client: TestClient) -> None:
    body = gql(client, LOGS, {"limit": 1001})
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "1000" in error["message"]


def test_negative_skip_is_an_error(client: TestClient) -> None:
    body = gql(client, LOGS, {"skip": -1})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "skip"}


def test_end_before_start_is_an_error(client: TestClient) -> None:
    window = {"startTime": "2025-01-02T00:00:00Z", "endTime": "2025-01-01T00:00:00Z"}
    body = gql(client, LOGS, {"filter": window})
    assert body["errors"][0]["extensions"]["field"] == "endTime"


def test_bad_timestamp_is_bad_user_input(client: TestClient) -> None:
    body = gql(client, LOGS, {"filter": {"startTime": "yesterday"}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "yesterday" in body["errors"][0]["message"]


def test_unknown_level_is_bad_user_input(client: TestClient) -> None:
    body = gql(client, LOGS, {"filter": {"level": "LOUD"}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_wrong_argument_type_is_bad_user_input(client: TestClient) -> None:
    body = gql(client, '{ logs(limit: "ten") { id } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_log_by_id_and_null_when_absent(client: TestClient) -> None:
    (created,) = create_logs(client, log_json(metadata_={"k": [1, 2]}))
    query = "query($id: ID!) { log(id: $id) { id service metadata } }"
    found = gql(client, query, {"id": str(created["id"])})["data"]["log"]
    assert found == {"id": str(created["id"]), "service": "auth-service", "metadata": {"k": [1, 2]}}
    assert gql(client, query, {"id": "987654321"}) == {"data": {"log": None}}


def test_log_with_non_numeric_id_is_bad_user_input(client: TestClient) -> None:
    body = gql(client, '{ log(id: "abc") { id } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


STATS = """
query Stats($filter: LogFilter) {
  stats(filter: $filter) { totalLogs byLevel { level count } byService { service count } }
}
"""


def test_stats_totals_by_level_and_service(client: TestClient) -> None:
    seed(client)
    stats = gql(client, STATS)["data"]["stats"]
    assert stats["totalLogs"] == 4
    assert {item["level"]: item["count"] for item in stats["byLevel"]} == {
        "DEBUG": 1,
        "WARN": 1,
        "ERROR": 1,
        "FATAL": 1,
    }
    assert stats["byService"] == [{"service": "api", "count": 2}, {"service": "pay", "count": 2}]


def test_stats_honour_the_filter(client: TestClient) -> None:
    seed(client)
    stats = gql(client, STATS, {"filter": {"service": "pay", "minLevel": "FATAL"}})["data"]["stats"]
    assert stats == {
        "totalLogs": 1,
        "byLevel": [{"level": "FATAL", "count": 1}],
        "byService": [{"service": "pay", "count": 1}],
    }
