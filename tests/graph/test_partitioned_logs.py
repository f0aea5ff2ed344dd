"""Logs of any instant are stored and found, whatever partitions exist (db/partitions.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import gql
from tests.factories import create_logs, log_json

STORAGE = "{ storage { partitions { name start end rowsEstimated bytes } oldestLog totalBytes } }"
FAR = '{ logs(filter: {service: "far"}, limit: 10, order: ASC) { id timestamp } }'


def test_logs_of_any_year_are_stored_and_found(client: TestClient) -> None:
    stamps = ["0001-01-01T00:00:00+00:00", "1999-06-01T12:00:00+00:00", "9999-12-31T23:59:59+00:00"]
    create_logs(client, *[log_json(timestamp=stamp, service="far") for stamp in stamps])
    found = gql(client, FAR)["data"]["logs"]
    assert [log["timestamp"][:4] for log in found] == ["0001", "1999", "9999"]
    for log in found:
        one = client.get(f"/api/v1/logs/{log['id']}")
        assert one.status_code == 200, one.text


def test_storage_shows_partitions_and_the_oldest_log(client: TestClient) -> None:
    create_logs(client, log_json(timestamp="2020-02-02T00:00:00+00:00"))
    storage = gql(client, STORAGE)["data"]["storage"]
    assert storage["oldestLog"].startswith("2020-02-02")
    assert storage["partitions"]
    assert storage["totalBytes"] > 0


def test_the_oldest_log_is_found_past_empty_partitions(client: TestClient) -> None:
    """The oldest log is read partition by partition in bound order: the open-ended first
    partition and a year partition emptied by deletes are passed over, and a log in the last,
    open-ended one is found when it is the only one left."""
    stamps = ["0001-01-01T00:00:00+00:00", "1999-06-01T12:00:00+00:00", "2001-03-03T00:00:00+00:00"]
    first, second, third = create_logs(client, *[log_json(timestamp=stamp) for stamp in stamps])
    last = create_logs(client, log_json(timestamp="9999-12-31T23:59:59+00:00"))[0]
    for log in (first, second):
        assert client.delete(f"/api/v1/logs/{log['id']}").status_code == 200
    apply = "mutation { applyRetention { oldestKept } }"
    assert gql(client, STORAGE)["data"]["storage"]["oldestLog"].startswith("2001-03-03")
    assert gql(client, apply)["data"]["applyRetention"]["oldestKept"].startswith("2001-03-03")
    assert client.delete(f"/api/v1/logs/{third['id']}").status_code == 200
    assert gql(client, STORAGE)["data"]["storage"]["oldestLog"].startswith("9999-12-31")
    assert client.delete(f"/api/v1/logs/{last['id']}").status_code == 200
    assert gql(client, STORAGE)["data"]["storage"]["oldestLog"] is None
    assert gql(client, apply)["data"]["applyRetention"]["oldestKept"] is None


def test_a_histogram_without_start_time_begins_at_the_first_match_in_any_partition(
    client: TestClient,
) -> None:
    stamps = [("0001-01-01T00:00:00+00:00", "old"), ("1999-06-01T12:00:00+00:00", "old")]
    stamps += [("2001-03-03T00:30:00+00:00", "api"), ("2001-03-03T01:30:00+00:00", "api")]
    create_logs(client, *[log_json(timestamp=stamp, service=name) for stamp, name in stamps])
    window = '{service: "api", endTime: "2001-03-03T01:59:00Z"}'
    query = f"{{ histogram(interval: HOUR, filter: {window}) {{ start count }} }}"
    found = gql(client, query)["data"]["histogram"]
    assert [(bucket["start"][:16], bucket["count"]) for bucket in found] == [
        ("2001-03-03T00:00", 1),
        ("2001-03-03T01:00", 1),
    ]
