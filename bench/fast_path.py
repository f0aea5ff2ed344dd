"""Server CPU per request with the fast path, with each of its shortcuts taken out, and without
any of it (docs/fast-path.md, "The switches" and "The map").

One app process per variant, all on one scratch PostgreSQL database: the defaults ("on"), one
per shortcut taken out (bench/ablation.py) and every switch off ("off"). They answer the same
requests in interleaved rounds: for each path, each variant in turn is sent REQUESTS requests
one at a time, its CPU read from /proc before and after; the live tail's path is TAIL_BULKS
bulks of 100 logs written while TAILS subscribers receive every one. Prints a markdown table:
per path, the median CPU of "on" and what taking each out adds, as a share of the path's CPU
without it (median of the rounds' shares, and their range):

    .venv/bin/python -m bench.fast_path [--rounds 7] [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack

import httpx
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from bench.ablation import TAKE_OUT
from bench.cpu import process_cpu_seconds
from bench.switches import OFF
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
# name: (the app uvicorn serves, its environment)
VARIANTS: dict[str, tuple[str, dict[str, str]]] = {
    "on": ("main:app", {}),
    **{name: ("bench.ablated:app", {"WITHOUT": name}) for name in TAKE_OUT},
    "off": ("main:app", OFF),
}
TAILS = 10
TAIL_BULKS = 5
TAIL_SERVICE = "tailbench"
TAIL = (
    "subscription($f: LogFilter) { logs(filter: $f) "
    "{ cursor node { id timestamp level service message metadata } } }"
)
TAIL_WAIT_S = 120.0
RETRIES = 2
RETRY_PAUSE_S = 5.0
Send = Callable[[httpx.Client], httpx.Response]
REQUESTS: dict[str, Send] = {
    "GraphQL page of 50 logs": lambda client: client.post("/graphql", json=PAGE),
    "GraphQL createLog": lambda client: client.post("/graphql", json=CREATE),
    "REST POST /api/v1/logs": lambda client: client.post("/api/v1/logs/", json=LOG),
}
TAIL_PATH = f"live tail, per 100 logs to {TAILS} tails"
PATHS = [*REQUESTS, TAIL_PATH]


def cpu_ms_per_request(server: Server, send: Send, requests: int) -> float:
    with httpx.Client(base_url=server.base_url) as client:
        send(client).raise_for_status()  # a connection, and the operation cached
        before = process_cpu_seconds(server.pid)
        for _ in range(requests):
            send(client).raise_for_status()
        return (process_cpu_seconds(server.pid) - before) / requests * 1000


async def tail_cpu_ms(server: Server) -> float:
    """Server CPU per bulk of 100 logs written while TAILS subscribers receive each."""
    variables = {"f": {"service": TAIL_SERVICE}}
    subscribe = {"query": TAIL, "variables": variables}
    protocol = [Subprotocol("graphql-transport-ws")]
    sockets = [
        await connect(server.ws, subprotocols=protocol, max_size=None, ping_interval=None)
        for _ in range(TAILS)
    ]
    try:
        for ws in sockets:
            await ws.send(json.dumps({"type": "connection_init"}))
            await ws.recv()
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        await asyncio.sleep(1.0)  # the subscriptions register
        before = process_cpu_seconds(server.pid)
        bulk = [{**LOG, "service": TAIL_SERVICE}] * 100
        expected = TAIL_BULKS * len(bulk)
        async with asyncio.timeout(TAIL_WAIT_S):
            receiving = asyncio.gather(*(_receive(ws, expected) for ws in sockets))
            async with httpx.AsyncClient(base_url=server.base_url) as client:
                for _ in range(TAIL_BULKS):
                    (await client.post("/api/v1/bulk_logs", json=bulk)).raise_for_status()
            await receiving
        return (process_cpu_seconds(server.pid) - before) / TAIL_BULKS * 1000
    finally:
        for ws in sockets:
            await ws.close()


async def _receive(ws: object, expected: int) -> None:
    received = 0
    async for text in ws:  # type: ignore[attr-defined]
        message = json.loads(text)
        if message["type"] != "next" or "errors" in message["payload"]:
            raise RuntimeError(f"the tail sent {text[:300]}")
        received += 1
        if received == expected:
            return


def measure(servers: dict[str, Server], *, rounds: int, requests: int) -> dict[str, list[float]]:
    """CPU per request, by (path, variant) as 'path|variant', one value per round."""
    results: dict[str, list[float]] = {}
    for index in range(rounds):
        for path in PATHS:
            for name, server in servers.items():
                cpu = _measured_once(server, path, requests)
                results.setdefault(f"{path}|{name}", []).append(cpu)
        print(f"round {index + 1} of {rounds}: {results}", file=sys.stderr, flush=True)
    return results


def _measured_once(server: Server, path: str, requests: int) -> float:
    """One measurement, taken again after a failure that was not the app's: on a machine
    whose PostgreSQL is shared, a burst of other clients can refuse a connection midway."""
    for _ in range(RETRIES):
        try:
            return _measured(server, path, requests)
        except (httpx.HTTPError, RuntimeError, TimeoutError) as error:
            print(f"{path}: {error!r:.300}; measuring again", file=sys.stderr, flush=True)
            time.sleep(RETRY_PAUSE_S)
    return _measured(server, path, requests)


def _measured(server: Server, path: str, requests: int) -> float:
    if path == TAIL_PATH:
        return asyncio.run(tail_cpu_ms(server))
    return cpu_ms_per_request(server, REQUESTS[path], requests)


def table(results: dict[str, list[float]]) -> list[str]:
    """Per path: "on"'s CPU, and each variant's share of its own CPU that "on" saves."""
    names = [name for name in VARIANTS if name != "on"]
    lines = [
        "| path | on (ms CPU) | " + " | ".join(f"without {name}" for name in names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for path in PATHS:
        on = results[f"{path}|on"]
        cells = []
        for name in names:
            without = results[f"{path}|{name}"]
            saved = [(w - o) / w for w, o in zip(without, on, strict=True)]
            cells.append(f"{statistics.median(saved):+.0%} ({min(saved):+.0%}..{max(saved):+.0%})")
        lines.append(f"| {path} | {statistics.median(on):.3f} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with scratch_database("lograph_fastpath") as database:
        base = {
            "DATABASE_URL": database.sqlalchemy_url,
            "ENABLE_ALERTS": "false",
            "ENABLE_PATTERNS": "false",
        }
        with running_servers(1, env=base) as (first,):
            batch = [{**LOG, "level": "ERROR"}] * 500
            httpx.post(f"{first.base_url}/api/v1/bulk_logs", json=batch).raise_for_status()
        servers: dict[str, Server] = {}
        with ExitStack() as stack:
            for name, (app, env) in VARIANTS.items():
                started = stack.enter_context(running_servers(1, env=base | env, app=app))
                servers[name] = started[0]
            results = measure(servers, rounds=args.rounds, requests=args.requests)
    print("\n".join(table(results)))
    print(f"\nmedian ms CPU per request (tail: per 100 logs), {args.rounds} rounds:")
    for key, values in results.items():
        print(f"- {key}: {statistics.median(values):.3f}")


if __name__ == "__main__":
    main()
