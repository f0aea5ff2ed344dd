"""Server CPU per request with the shortcuts and without (docs/fast-path.md, "The switches").

Two app processes on one scratch PostgreSQL database, one with the shortcuts and one without,
answer the same requests in interleaved rounds; each round sends ROUND requests one at a time
and reads the server's CPU time from /proc before and after. Prints medians as a markdown table:

    .venv/bin/python -m bench.fast_path [--rounds 7] [--requests 200]
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable

import httpx

from bench.cpu import process_cpu_seconds
from testing.database import scratch_database
from testing.server import Server, running_servers

PAGE = {
    "query": "query($f: LogFilter) { logs(filter: $f, limit: 50) "
    "{ id timestamp level service message metadata } }",
    "variables": {"f": {"levels": ["ERROR", "INFO"], "services": ["api"]}},
}
CREATE = {
    "query": "mutation($i: LogInput!) { createLog(input: $i) { id timestamp level service } }",
    "variables": {"i": {"level": "INFO", "service": "api", "message": "m"}},
}
LOG = {"level": "INFO", "service": "api", "message": "m", "metadata_": {"user": 1}}
SWITCHES = {
    "fast": {},
    "plain": {
        "GRAPHQL_FAST_PATH": "false",
        "REST_FAST_PATH": "false",
        "DATABASE_FAST_PATH": "false",
    },
}
Send = Callable[[httpx.Client], httpx.Response]
PATHS: dict[str, Send] = {
    "GraphQL page of 50 logs (filter)": lambda client: client.post("/graphql", json=PAGE),
    "GraphQL createLog": lambda client: client.post("/graphql", json=CREATE),
    "REST POST /api/v1/logs": lambda client: client.post("/api/v1/logs/", json=LOG),
}


def cpu_ms_per_request(server: Server, client: httpx.Client, send: Send, requests: int) -> float:
    before = process_cpu_seconds(server.pid)
    for _ in range(requests):
        send(client).raise_for_status()
    return (process_cpu_seconds(server.pid) - before) / requests * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    results: dict[tuple[str, str], list[float]] = {}
    with scratch_database("lograph_fastpath") as database:
        base = {"DATABASE_URL": database.sqlalchemy_url, "ENABLE_ALERTS": "false"}
        envs = [base | env for env in SWITCHES.values()]
        with (
            running_servers(1, env=envs[0]) as (fast,),
            running_servers(1, env=envs[1]) as (plain,),
        ):
            servers = dict(zip(SWITCHES, (fast, plain), strict=True))
            clients = {name: httpx.Client(base_url=s.base_url) for name, s in servers.items()}
            batch = [{**LOG, "level": "ERROR"}] * 500
            clients["fast"].post("/api/v1/bulk_logs", json=batch).raise_for_status()
            for _ in range(args.rounds):
                for path, send in PATHS.items():
                    for name, server in servers.items():
                        cpu = cpu_ms_per_request(server, clients[name], send, args.requests)
                        results.setdefault((path, name), []).append(cpu)
    print("| path | fast path (ms CPU/request) | plain (ms CPU/request) | fast path saves |")
    print("|---|---|---|---|")
    for path in PATHS:
        fast_ms = statistics.median(results[(path, "fast")])
        plain_ms = statistics.median(results[(path, "plain")])
        saved = (plain_ms - fast_ms) / plain_ms
        print(f"| {path} | {fast_ms:.3f} | {plain_ms:.3f} | {saved:.0%} |")


if __name__ == "__main__":
    main()
