"""Reads through a real streaming replica that replays 500 ms behind its primary."""

from __future__ import annotations

import httpx
import pytest

from testing.replication import ReplicatedCluster
from tests.alerts.support import wait_for
from tests.replicas.support import (
    create_log,
    found_messages,
    graphql,
    replica_ran,
    servers,
    token,
)

pytestmark = pytest.mark.slow
PATIENT = {"REPLICA_WAIT_SECONDS": "5"}  # reads wait for the replica rather than the primary
READS = {
    "logs": "query($s: String) { logs(filter: {service: $s}) { id } }",
    "logsConnection": "query($s: String) { logsConnection(filter: {service: $s}, first: 5)"
    " { totalCount edges { node { id } } } }",
    "stats": "query($s: String) { stats(filter: {service: $s}) { totalLogs } }",
    "histogram": "query($s: String) { histogram(filter: {service: $s, startTime:"
    ' "2020-01-01T00:00:00Z"}, interval: DAY) { count } }',
}


@pytest.mark.parametrize("fast_path", ["true", "false"])
def test_every_read_is_served_by_the_replica_and_sees_the_write_before_it(
    cluster: ReplicatedCluster, fast_path: str
) -> None:
    switches = {"GRAPHQL_FAST_PATH": fast_path, "DATABASE_FAST_PATH": fast_path}
    with (
        servers(cluster, PATIENT | switches) as (server,),
        httpx.Client(base_url=server.base_url, timeout=30) as client,
    ):
        for field, query in READS.items():
            service = token()
            create_log(client, service=service)
            data = graphql(client, query, s=service)[field]
            assert data, field
            assert replica_ran(cluster, service), f"{field} was not read on the replica"
        service = token()
        log_id = create_log(client, service=service)
        rest = client.get("/api/v1/logs/filter", params={"service": service})
        assert [log["id"] for log in rest.json()] == [int(log_id)]
        assert replica_ran(cluster, service), "REST's GET was not read on the replica"
        one = graphql(client, "query($i: ID!) { log(id: $i) { id } }", i=log_id)
        assert one["log"] == {"id": log_id}
        assert client.get(f"/api/v1/logs/{log_id}").json()["service"] == service


def test_a_write_is_read_through_another_process_without_a_miss(
    cluster: ReplicatedCluster,
) -> None:
    """One process gives up on the replica after 0.1 s (the primary answers), the other waits
    for it; in both, the log written through the other process is always found."""
    quick = {"REPLICA_WAIT_SECONDS": "0.1"}
    plain = {"REPLICA_WAIT_SECONDS": "1", "DATABASE_FAST_PATH": "false"}
    with (
        servers(cluster, quick, plain) as (first, second),
        httpx.Client(base_url=first.base_url, timeout=30) as one,
        httpx.Client(base_url=second.base_url, timeout=30) as other,
    ):
        misses = 0
        for number in range(20):
            writer, reader = (one, other) if number % 2 else (other, one)
            service = token()
            create_log(writer, service=service, message=f"pair {number}")
            misses += found_messages(reader, service=service) != [f"pair {number}"]
        assert misses == 0


def test_a_stopped_replica_is_skipped_and_taken_back_when_it_returns(
    cluster: ReplicatedCluster,
) -> None:
    with (
        servers(cluster, PATIENT) as (server,),
        httpx.Client(base_url=server.base_url, timeout=30) as client,
    ):
        wait_for(lambda: _state(client) == "up", timeout=60, what="the replica up")
        cluster.replica.stop()
        try:
            service = token()
            create_log(client, service=service)
            assert found_messages(client, service=service) == ["written"]
            wait_for(lambda: _state(client) == "down", timeout=60, what="the replica down")
            assert client.get("/readyz").status_code == 200  # the primary serves
            assert 'lograph_replica_up{replica="' in client.get("/metrics").text
            assert found_messages(client, service=service) == ["written"]
        finally:
            cluster.replica.start()
        wait_for(lambda: _state(client) == "up", timeout=60, what="the replica back")
        service = token()
        create_log(client, service=service)
        assert found_messages(client, service=service) == ["written"]
        assert replica_ran(cluster, service)


def test_a_replica_lagging_past_the_bound_is_skipped_until_it_catches_up(
    cluster: ReplicatedCluster,
) -> None:
    """Writes every 50 ms keep the replica 500 ms behind, past a 0.2 s bound."""
    strict = {"REPLICA_MAX_LAG_SECONDS": "0.2"}
    with (
        servers(cluster, strict) as (server,),
        httpx.Client(base_url=server.base_url, timeout=30) as client,
    ):
        wait_for(lambda: _state(client) == "up", timeout=60, what="the replica up")

        def lagging_while_written() -> bool:
            create_log(client, service=token())
            return _state(client) == "lagging"

        wait_for(lagging_while_written, timeout=60, what="the replica lagging")
        wait_for(lambda: _state(client) == "up", timeout=60, what="the replica caught up")


def _state(client: httpx.Client) -> str:
    answer = client.get("/readyz").json()
    return str(answer["replicas"][0]["state"])
