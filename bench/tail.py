"""The live-tail benchmark on PostgreSQL and Redis: `python -m bench.tail [--rate N] ...`.

Two app processes share a scratch database and Redis. A writer POSTs bulks of `--bulk` logs at
`--rate` logs/s, alternating between the processes; `--subscribers` tails (split across both)
receive them. Each log's message is the perf_counter time just before its bulk was sent, so a
delivery's latency runs from the start of the write request to the edge's arrival (write,
commit, wake-up, poll and send included); it is also given from the write's answer, which is
what the tail adds to the write's own latency. With `--match` below 1, the tails filter on a
service that only that share of the logs carries.

Prints a markdown table: the same load without tails, then with them; ingest cost is the POST
latency and the app processes' CPU per 1000 logs (the bench's own CPU, writer and tails, runs
on the same cores and is shown beside it). With `--full-rates`, a second table: every tail
takes every log, at each of those rates in turn until the servers no longer keep up, and the
most this machine sustained (delivery p99 within 100 ms) and kept up with.
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
SUSTAINED_P99_SECONDS = 0.1  # issue 9's delivery target
ON_SCHEDULE = 0.97  # a sustained run writes at least this share of the requested rate


@dataclass
class Tail:
    """One graphql-transport-ws tail; each edge's (send time, arrival) and every id seen."""

    server: Server
    match: float
    arrivals: list[tuple[float, float]] = field(default_factory=list)
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
                    self.arrivals.append((float(node["message"]), now))
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
class Writes:
    """What the writer did: each written bulk's send time and answer time, and failures."""

    bulk: int
    probes: int  # logs per bulk a filtering tail takes
    answered: dict[float, float] = field(default_factory=dict)
    failed: int = 0

    @property
    def logs(self) -> int:
        return len(self.answered) * self.bulk

    def post_latencies(self) -> list[float]:
        return [answered - sent for sent, answered in self.answered.items()]


@dataclass
class Run:
    subscribers: int
    match: float
    rate: int
    seconds: float
    writes: Writes
    cpu_per_1000: float
    client_per_1000: float  # this process: the writer and the tails, on the same cores
    tails: list[Tail]

    def expected(self) -> int:
        """Edges each tail should receive."""
        per_bulk = self.writes.bulk if self.match >= 1 else self.writes.probes
        return len(self.writes.answered) * per_bulk

    def complete(self) -> bool:
        return all(len(tail.ids) == self.expected() == len(set(tail.ids)) for tail in self.tails)

    def delivery(self) -> list[float]:
        return [arrived - sent for tail in self.tails for sent, arrived in tail.arrivals]

    def after_answer(self) -> list[float]:
        answered = self.writes.answered
        return [
            arrived - answered[sent]
            for tail in self.tails
            for sent, arrived in tail.arrivals
            if sent in answered
        ]

    def kept_up(self) -> bool:
        """Writes on schedule, none failed, every edge delivered once."""
        on_schedule = self.writes.logs / self.seconds >= ON_SCHEDULE * self.rate
        return self.writes.failed == 0 and on_schedule and self.complete()

    def sustained(self) -> bool:
        """Kept up, with delivery p99 within issue 9's target."""
        delivery = self.delivery()
        return self.kept_up() and percentile(delivery, 99) <= SUSTAINED_P99_SECONDS


async def write(
    servers: Sequence[Server], *, rate: int, bulk: int, seconds: float, match: float
) -> Writes:
    """POST bulks on a fixed schedule; a failed POST is counted, not retried."""
    interval = bulk / rate
    writes = Writes(bulk, max(1, round(bulk * match)))
    async with httpx.AsyncClient(timeout=30) as client:

        async def post(index: int) -> None:
            sent = time.perf_counter()
            services = [PROBE] * writes.probes + ["bulk"] * (bulk - writes.probes)
            body = [
                {"level": "INFO", "service": service, "message": repr(sent)} for service in services
            ]
            server = servers[index % len(servers)]
            try:
                response = await client.post(f"{server.base_url}/api/v1/bulk_logs/", json=body)
                response.raise_for_status()
            except httpx.HTTPError:
                writes.failed += 1
                return
            writes.answered[sent] = time.perf_counter()

        start = time.perf_counter()
        tasks = []
        for index in range(int(seconds * rate / bulk)):
            await asyncio.sleep(max(0.0, start + index * interval - time.perf_counter()))
            tasks.append(asyncio.create_task(post(index)))
        await asyncio.gather(*tasks)
    return writes


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
    client = time.process_time()
    start = time.perf_counter()
    writes = await write(
        servers, rate=args.rate, bulk=args.bulk, seconds=args.seconds, match=args.match
    )
    elapsed = time.perf_counter() - start
    cpu = cpu_seconds(pids) - cpu
    client = time.process_time() - client
    await asyncio.sleep(2.0)  # the last deliveries
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    per_1000 = 1000 / max(writes.logs, 1)
    return Run(
        subscribers,
        args.match,
        args.rate,
        elapsed,
        writes,
        cpu * per_1000,
        client * per_1000,
        tails,
    )


def _p50_p99(seconds: Sequence[float]) -> str:
    if not seconds:
        return "-"
    return f"{1000 * median(seconds):.1f} / {1000 * percentile(seconds, 99):.1f}"


HEADER = (
    "| tails | written logs/s | POST p50 / p99 ms | app CPU s per 1000 logs "
    "| bench client CPU s per 1000 logs | delivery p50 / p99 ms "
    "| after the POST's answer p50 / p99 ms | received |\n"
    "|---|---|---|---|---|---|---|---|"
)


def row(result: Run) -> str:
    received = "n/a"
    if result.tails:
        counts = sorted({len(tail.ids) for tail in result.tails})
        unique = all(len(set(tail.ids)) == len(tail.ids) for tail in result.tails)
        received = f"{counts[0]}-{counts[-1]} each of {result.expected()}, "
        received += f"{'no' if unique else 'SOME'} duplicates"
    if result.writes.failed:
        received += f"; {result.writes.failed} POSTs FAILED"
    return (
        f"| {result.subscribers} | {result.writes.logs / result.seconds:,.0f} "
        f"| {_p50_p99(result.writes.post_latencies())} | {result.cpu_per_1000:.3f} "
        f"| {result.client_per_1000:.3f} "
        f"| {_p50_p99(result.delivery())} | {_p50_p99(result.after_answer())} | {received} |"
    )


async def full_rates(servers: Sequence[Server], args: argparse.Namespace) -> None:
    """Every tail takes every log, at each rate until the servers no longer keep up."""
    print()
    print(f"Every tail takes every log ({args.subscribers} tails, bulks of {args.bulk}):")
    print()
    print(HEADER.replace("| tails |", "| rate |", 1))
    kept_up, sustained = "none", "none"
    for rate in args.full_rates:
        every = argparse.Namespace(**{**vars(args), "rate": rate, "match": 1.0})
        result = await run(servers, every, args.subscribers)
        print(row(result).replace(f"| {args.subscribers} |", f"| {rate:,} |", 1), flush=True)
        if not result.kept_up():
            break
        kept_up = f"{rate:,} logs/s"
        if result.sustained():
            sustained = f"{rate:,} logs/s"
    print()
    print(
        f"With every tail taking every log, this machine sustained {sustained} with delivery "
        f"p99 <= {SUSTAINED_P99_SECONDS * 1000:.0f} ms, and kept up (writes on schedule, none "
        f"failed, every edge once) at {kept_up}."
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
            print(HEADER)
            for subscribers in (0, args.subscribers):
                print(row(await run(servers, args, subscribers)), flush=True)
            if args.full_rates:
                await full_rates(servers, args)


def _rates(text: str) -> list[int]:
    return [int(rate) for rate in text.split(",") if rate]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=10_000, help="logs per second")
    parser.add_argument("--bulk", type=int, default=100, help="logs per POST")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--subscribers", type=int, default=10)
    parser.add_argument("--match", type=float, default=1.0, help="share of logs the tails get")
    parser.add_argument(
        "--full-rates",
        type=_rates,
        default=[],
        help="comma-separated rates (logs/s, rising) for the every-tail-takes-every-log table",
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
