"""Talking to servers that read through the replica, and seeing which server answered."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx

from db.engine import REPLICA_READS
from testing.replication import ReplicatedCluster
from testing.server import Server, running_servers

CREATE = "mutation($i: LogInput!) { createLog(input: $i) { id } }"
FIND = "query($f: LogFilter) { logs(filter: $f, limit: 10) { id message } }"


def replica_env(cluster: ReplicatedCluster, **overrides: str) -> dict[str, str]:
    """The settings of an app on the private primary that reads through its replica."""
    return {
        "DATABASE_URL": cluster.primary.url(),
        "DATABASE_REPLICA_URLS": cluster.replica.url(),
        "ENABLE_ALERTS": "false",
        "ENABLE_PATTERNS": "false",
        **overrides,
    }


@contextmanager
def servers(cluster: ReplicatedCluster, *envs: Mapping[str, str]) -> Iterator[list[Server]]:
    """One app process per environment (overrides of `replica_env`), all on the cluster."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(running_servers(1, env=replica_env(cluster, **env)))[0]
            for env in envs
        ]


def token() -> str:
    return f"replica-{secrets.token_hex(6)}"


def graphql(client: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    answer = client.post("/graphql", json={"query": query, "variables": variables})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert "errors" not in body, body
    return dict(body["data"])


def create_log(client: httpx.Client, *, service: str, message: str = "written") -> str:
    log = {"level": "INFO", "service": service, "message": message}
    return str(graphql(client, CREATE, i=log)["createLog"]["id"])


def found_messages(client: httpx.Client, *, service: str) -> list[str]:
    logs = graphql(client, FIND, f={"service": service})["logs"]
    return [log["message"] for log in logs]


def replica_ran(cluster: ReplicatedCluster, text: str) -> bool:
    """Whether a connection of the app's replica pool last ran a statement containing `text`."""
    rows = cluster.replica.sql(
        "SELECT count(*) FROM pg_stat_activity"
        f" WHERE application_name = '{REPLICA_READS}' AND position('{text}' in query) > 0"
    )
    return int(str(rows[0][0])) > 0
