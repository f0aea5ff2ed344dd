"""Input a client can send never answers 500 or INTERNAL: 422 on REST, BAD_USER_INPUT naming the
field on GraphQL, on both backends."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import gql
from tests.factories import create_logs, log_json

EARLY = "0001-01-01T00:00:00+01:00"  # before year 1 in UTC
LATE = "9999-12-31T23:59:59-01:00"  # after year 9999 in UTC
LAST_INSTANT = "9999-12-31T23:59:59.999999Z"
LOGS = "query($f: LogFilter) { logs(filter: $f) { id } }"
STATS = "query($f: LogFilter) { stats(filter: $f) { totalLogs } }"
CREATE = "mutation($input: LogInput!) { createLog(input: $input) { id } }"
BULK = "mutation($inputs: [LogInput!]!) { bulkCreate(inputs: $inputs) { count } }"
ALERTS = "query($rule: String, $since: DateTime) { alerts(rule: $rule, since: $since) { id } }"
UPSERT = "mutation($input: AlertRuleInput!) { upsertAlertRule(input: $input) { name } }"
DELETE_RULE = "mutation($name: String!) { deleteAlertRule(name: $name) { name } }"
NUL = "a\x00b"
LONE_SURROGATE = "a\ud800b"


def raw_gql(client: TestClient, query: str, variables_json: str) -> dict[str, Any]:
    """POST with variables written by hand, so they can carry lone surrogates."""
    body = f'{{"query": {json.dumps(query)}, "variables": {variables_json}}}'
    response = client.post(
        "/graphql", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert response.status_code in (200, 400), response.text
    answer: dict[str, Any] = response.json()
    return answer


def bad_input(body: dict[str, Any], field: str) -> None:
    assert "errors" in body, body
    extensions = body["errors"][0]["extensions"]
    assert extensions["code"] == "BAD_USER_INPUT", body
    assert extensions.get("field", field) == field, body
    assert len(str(body)) < 2000


def rest_422(response: Any, loc: list[Any]) -> None:
    assert response.status_code == 422, response.text[:500]
    assert response.json()["detail"][0]["loc"] == loc


# --- paging


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/api/v1/logs/", "/api/v1/logs/filter"])
@pytest.mark.parametrize("name", ["skip", "limit"])
@pytest.mark.parametrize("value", [2**63 - 1, 2**63, 2**64, 10**30])
def test_huge_paging_values_are_422(client: TestClient, path: str, name: str, value: int) -> None:
    response = client.get(path, params={name: str(value)})
    if name == "skip" and value == 2**63 - 1:
        assert response.status_code == 200, response.text
        assert response.json() == []
        return
    rest_422(response, ["query", name])


def test_huge_skip_on_graphql_is_bad_user_input(client: TestClient) -> None:
    bad_input(gql(client, "{ logs(skip: 3000000000) { id } }"), "skip")


# --- timestamps that leave years 1 to 9999 when moved to UTC


@pytest.mark.slow
@pytest.mark.parametrize("moment", [EARLY, LATE])
def test_out_of_range_timestamps_on_rest_writes_are_422(client: TestClient, moment: str) -> None:
    rest_422(client.post("/api/v1/logs/", json=log_json(timestamp=moment)), ["body", "timestamp"])
    bulk = client.post("/api/v1/bulk_logs/", json=[log_json(), log_json(timestamp=moment)])
    rest_422(bulk, ["body", 1, "timestamp"])
    assert client.get("/api/v1/logs/").json() == []


@pytest.mark.parametrize("moment", [EARLY, LATE])
@pytest.mark.parametrize("param", ["start_time", "end_time"])
def test_out_of_range_timestamps_in_rest_filters_are_422(
    client: TestClient, moment: str, param: str
) -> None:
    rest_422(client.get("/api/v1/logs/filter", params={param: moment}), ["query", param])


@pytest.mark.parametrize("moment", [EARLY, LATE])
def test_out_of_range_timestamps_on_graphql_are_bad_user_input(
    client: TestClient, moment: str
) -> None:
    item = {"level": "INFO", "service": "s", "message": "m", "timestamp": moment}
    bad_input(gql(client, CREATE, {"input": item}), "timestamp")
    bad_input(gql(client, BULK, {"inputs": [item]}), "timestamp")
    for field in ("startTime", "endTime"):
        bad_input(gql(client, LOGS, {"f": {field: moment}}), field)
        bad_input(gql(client, STATS, {"f": {field: moment}}), field)
    bad_input(gql(client, ALERTS, {"since": moment}), "since")
    assert gql(client, LOGS)["data"]["logs"] == []


def test_stats_at_the_calendars_edge_are_refused_not_internal(client: TestClient) -> None:
    create_logs(client, log_json(timestamp="2025-01-01T00:30:00Z"))
    for f, field in (
        ({"endTime": LAST_INSTANT}, "endTime"),
        ({"startTime": "0001-01-01T00:00:00Z", "endTime": LAST_INSTANT}, "startTime"),
        ({"startTime": LAST_INSTANT}, "startTime"),
        ({"startTime": "9999-12-31T23:00:00Z", "endTime": LAST_INSTANT}, "startTime"),
    ):
        bad_input(gql(client, STATS, {"f": f}), field)
    latest = {"endTime": "9999-12-30T00:00:00Z"}  # filters stay a day clear of the ends
    assert gql(client, STATS, {"f": latest})["data"]["stats"]["totalLogs"] == 1


# --- text in filters, rule names and alert queries


@pytest.mark.parametrize("bad", [NUL, LONE_SURROGATE])
def test_bad_text_in_graphql_filters_is_bad_user_input(client: TestClient, bad: str) -> None:
    for f, field in (
        ({"service": bad}, "service"),
        ({"services": ["ok", bad]}, "services"),
        ({"messageContains": bad}, "messageContains"),
    ):
        variables = _json({"f": f})
        bad_input(raw_gql(client, LOGS, variables), field)
        bad_input(raw_gql(client, STATS, variables), field)


def test_nul_in_rest_filters_is_422(client: TestClient) -> None:
    response = client.get("/api/v1/logs/filter?service=a%00b")
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["query", "service"]


def test_invalid_utf8_in_rest_filters_is_read_as_replacement_characters(
    client: TestClient,
) -> None:
    response = client.get("/api/v1/logs/filter?service=a%ED%A0%80b")
    assert response.status_code == 200, response.text
    assert response.json() == []


@pytest.mark.parametrize("bad", [NUL, LONE_SURROGATE])
def test_bad_text_in_rule_names_and_alert_queries_is_bad_user_input(
    client: TestClient, bad: str
) -> None:
    bad_input(raw_gql(client, ALERTS, _json({"rule": bad})), "rule")
    bad_input(raw_gql(client, DELETE_RULE, _json({"name": bad})), "name")
    rule = {"name": bad, "level": "ERROR", "threshold": 1, "windowSeconds": 60}
    bad_input(raw_gql(client, UPSERT, _json({"input": rule})), "name")
    for field in ("service", "messageContains"):
        rule = {"name": "ok", field: bad, "threshold": 1, "windowSeconds": 60}
        bad_input(raw_gql(client, UPSERT, _json({"input": rule})), field)


def _json(value: Any) -> str:
    """JSON that keeps lone surrogates as `\\ud800` escapes instead of failing to encode."""
    return json.dumps(value, ensure_ascii=True)


# --- length caps on text filters


def test_message_contains_is_capped_at_1000_characters(client: TestClient) -> None:
    create_logs(client, log_json(message="x" * 1000))
    assert len(gql(client, LOGS, {"f": {"messageContains": "x" * 1000}})["data"]["logs"]) == 1
    for size in (1001, 50_001, 200_000):
        body = gql(client, LOGS, {"f": {"messageContains": "%" * size}})
        bad_input(body, "messageContains")
        assert "1000" in body["errors"][0]["message"]
        bad_input(gql(client, STATS, {"f": {"messageContains": "%" * size}}), "messageContains")


def test_services_list_is_capped_at_100_entries(client: TestClient) -> None:
    names = [f"s{i}" for i in range(100)]
    assert "errors" not in gql(client, LOGS, {"f": {"services": names}})
    bad_input(gql(client, LOGS, {"f": {"services": [*names, "one-more"]}}), "services")


def test_service_filter_longer_than_a_service_is_refused(client: TestClient) -> None:
    bad_input(gql(client, LOGS, {"f": {"service": "s" * 101}}), "service")
    bad_input(gql(client, LOGS, {"f": {"services": ["s" * 101]}}), "services")
    rest_422(
        client.get("/api/v1/logs/filter", params={"service": "s" * 10_000}), ["query", "service"]
    )
