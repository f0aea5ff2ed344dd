"""The live-tail benchmark on PostgreSQL and Redis: `python -m bench.tail [--rate N] ...`.

Two app processes share a scratch database and Redis. A writer POSTs bulks of `--bulk` logs at
`--rate` logs/s, alternating between the processes; `--subscribers` tails (split across both)
receive them. Each log's message is the perf_counter time just before its bulk was sent, so a
delivery's latency runs from the start of the write request to the edge's arrival (write,
commit, wake-up, poll and send included). With `--match` below 1, the tails filter on a service
that only that share of the logs carries (the reader still reads every log).

Prints one markdown table: the same load without tails, then with them; ingest cost is the
POST latency and the app processes' CPU per 1000 logs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from bench.stats import median, percentile
from testing.database import scratch_database
from testing.server import Server, running_servers

REDIS_URL = "redis://127.0.0.1:6379/11"  # pub/sub only: the tail stores no keys
TAIL = """subscription($filter: LogFilter) {
  logs(filter: $filter) { cursor node { id message } }
}"""
PROBE = "probe"


@dataclass
class Tail:
    """One graphql-transport-ws tail; the latency of each edge and every id seen."""

    server: Server
    match: float
    latencies: list[float] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    async def run(self, ready: asyncio.Event) -> None:
        log_filter = {"service": PROBE} if self.match < 1 else None
        payload = {"query": TAIL, "variables": {"filter": log_filter}}
        async with connect(
            self.server.ws, subprotocols=[Subprotocol("graphql-transport-ws")], max_size=None
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            await ws.recv()
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            await asyncio.sleep(0.5)  # the subscription registers
            ready.set()
            async for text in ws:
                now = time.perf_counter()
                message = json.loads(text)
                if message["type"] == "next":
                    node = message["payload"]["data"]["logs"]["node"]
                    self.latencies.append(now - float(node["message"]))
                    self.ids.append(node["id"])


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU of these processes so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


@dataclass
class Run:
    subscribers: int
    written: int
    seconds: float
    post_latencies: list[float]
    cpu_per_1000: float
    tails: list[Tail]


async def write(
    servers: Sequence[Server], *, rate: int, bulk: int, seconds: float, match: float
) -> tuple[int, list[float]]:
    """POST bulks on a fixed schedule; the count written and each POST's latency."""
    interval = bulk / rate
    latencies: list[float] = []
    probes = max(1, round(bulk * match))
    async with httpx.AsyncClient(timeout=30) as client:

        async def post(index: int) -> None:
            sent = time.perf_counter()
            body = [
                {"level": "INFO", "service": PROBE if i < probes else "bulk", "message": repr(sent)}
                for i in range(bulk)
            ]
            server = servers[index % len(servers)]
            response = await client.post(f"{server.base_url}/api/v1/bulk_logs/", json=body)
            response.raise_for_status()
            latencies.append(time.perf_counter() - sent)

        start = time.perf_counter()
        tasks = []
        for index in range(int(seconds * rate / bulk)):
            await asyncio.sleep(max(0.0, start + index * interval - time.perf_counter()))
            tasks.append(asyncio.create_task(post(index)))
        await asyncio.gather(*tasks)
    return len(tasks) * bulk, latencies


async def run(servers: Sequence[Server], args: argparse.Namespace, subscribers: int) -> Run:
    tails = [Tail(servers[i % len(servers)], args.match) for i in range(subscribers)]
    readies = [asyncio.Event() for _ in tails]
    tasks = [
        asyncio.create_task(tail.run(ready)) for tail, ready in zip(tails, readies, strict=True)
    ]
    for ready in readies:
        await ready.wait()
    pids = [server.pid for server in servers]
    cpu = cpu_seconds(pids)
    start = time.perf_counter()
    written, posts = await write(
        servers, rate=args.rate, bulk=args.bulk, seconds=args.seconds, match=args.match
    )
    elapsed = time.perf_counter() - start
    cpu = cpu_seconds(pids) - cpu
    await asyncio.sleep(2.0)  # the last deliveries
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return Run(subscribers, written, elapsed, posts, 1000 * cpu / written, tails)


def row(result: Run, match: float) -> str:
    latencies = [latency for tail in result.tails for latency in tail.latencies]
    expected = sum(1 for _ in range(result.written)) if match >= 1 else None
    complete = "n/a"
    if result.tails:
        counts = {len(tail.ids) for tail in result.tails}
        unique = all(len(set(tail.ids)) == len(tail.ids) for tail in result.tails)
        complete = f"{min(counts)}-{max(counts)} each, {'no' if unique else 'SOME'} duplicates"
        if expected is not None:
            complete += f" (of {expected})"
    delivery = (
        f"{1000 * median(latencies):.1f} / {1000 * percentile(latencies, 99):.1f}"
        if latencies
        else "-"
    )
    return (
        f"| {result.subscribers} | {result.written / result.seconds:,.0f} "
        f"| {1000 * median(result.post_latencies):.1f} / "
        f"{1000 * percentile(result.post_latencies, 99):.1f} "
        f"| {result.cpu_per_1000:.3f} | {delivery} | {complete} |"
    )


async def main_async(args: argparse.Namespace) -> None:
    env = {"REDIS_URL": REDIS_URL, "ENABLE_ALERTS": "false"}
    with scratch_database("lograph_bench_tail") as database:
        env["DATABASE_URL"] = database.sqlalchemy_url
        with running_servers(2, env=env) as servers:
            print(
                f"rate {args.rate} logs/s in bulks of {args.bulk}, {args.seconds:.0f} s per row, "
                f"tails match {args.match:.0%} of logs"
            )
            print()
            print(
                "| tails | written logs/s | POST p50 / p99 ms | app CPU s per 1000 logs "
                "| delivery p50 / p99 ms | received |"
            )
            print("|---|---|---|---|---|---|")
            for subscribers in (0, args.subscribers):
                result = await run(servers, args, subscribers)
                print(row(result, args.match), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=10_000, help="logs per second")
    parser.add_argument("--bulk", type=int, default=100, help="logs per POST")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--subscribers", type=int, default=10)
    parser.add_argument("--match", type=float, default=1.0, help="share of logs the tails get")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
