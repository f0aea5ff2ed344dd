"""Set-up for bench.alerts: app processes on a scratch database and Redis, and subscribers."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import redis
from websockets.asyncio.client import connect

from testing.database import ScratchDatabase, scratch_database
from testing.server import HOST, Server, running_servers

REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own; flushed before and after
SUBSCRIBE = "subscription { alerts { rule } }"
UPSERT = "mutation($input: AlertRuleInput!) { upsertAlertRule(input: $input) { name } }"
CHECK_INTERVAL = 5.0  # seconds between the periodic sweeps, as the app's default


@dataclass(frozen=True)
class Deployment:
    servers: list[Server]
    database: ScratchDatabase


@contextmanager
def deployment(*, alerts: bool, check_interval: float = CHECK_INTERVAL) -> Iterator[Deployment]:
    """Two app processes on a fresh scratch database and an empty Redis database."""
    shared = redis.Redis.from_url(REDIS_URL)
    shared.flushdb()
    env = {
        "REDIS_URL": REDIS_URL,
        "ENABLE_ALERTS": str(alerts).lower(),
        "ALERT_CHECK_INTERVAL_SECONDS": str(check_interval),
        "ALERT_WEBHOOK_URL": "",
        "ALERT_RULES_FILE": "",
    }
    try:
        with scratch_database("lograph_bench_alerts") as database:
            env["DATABASE_URL"] = database.sqlalchemy_url
            with running_servers(2, env=env) as servers:
                yield Deployment(servers, database)
    finally:
        shared.flushdb()
        shared.close()


@dataclass
class Subscriber:
    """One graphql-transport-ws subscription; notes when each rule's alert arrives."""

    server: Server
    arrivals: dict[str, float] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, ready: asyncio.Event) -> None:
        url = f"ws://{HOST}:{self.server.port}/graphql"
        async with connect(url, subprotocols=["graphql-transport-ws"], proxy=None) as socket:  # type: ignore[list-item]
            await socket.send(json.dumps({"type": "connection_init"}))
            await socket.recv()
            subscribe = {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}
            await socket.send(json.dumps(subscribe))
            ready.set()
            async for text in socket:
                message = json.loads(text)
                if message["type"] == "next":
                    self.arrivals.setdefault(
                        message["payload"]["data"]["alerts"]["rule"], time.perf_counter()
                    )
                    self.changed.set()

    async def arrival(self, rule: str, *, within: float = 10.0) -> float:
        async with asyncio.timeout(within):
            while rule not in self.arrivals:
                self.changed.clear()
                await self.changed.wait()
        return self.arrivals[rule]


@asynccontextmanager
async def subscribers(servers: Sequence[Server]) -> AsyncIterator[list[Subscriber]]:
    listening = [Subscriber(server) for server in servers]
    readiness = [asyncio.Event() for _ in listening]
    tasks = [
        asyncio.create_task(each.run(ready))
        for each, ready in zip(listening, readiness, strict=True)
    ]
    await asyncio.gather(*(ready.wait() for ready in readiness))
    try:
        yield listening
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def quiet_after(database: ScratchDatabase, *, quiet: float, cap: float = 300.0) -> float:
    """Seconds until the lifecycle instances stopped changing, once none has changed for
    `quiet` seconds (at most `cap`): the evaluations queued so far have moved what they would.
    (One-shot rules fire again after each cooldown while their window holds logs.)"""
    started = last_change = time.monotonic()
    last = None
    with database.connect() as connection, connection.cursor() as cursor:
        connection.autocommit = True
        while time.monotonic() - last_change < quiet and time.monotonic() - started < cap:
            cursor.execute("SELECT coalesce(sum(version), 0) FROM alert_instances")
            (count,) = cursor.fetchone() or (0,)
            if count != last:
                last, last_change = count, time.monotonic()
            time.sleep(0.25)
    return last_change - started


async def graphql(client: httpx.AsyncClient, server: Server, query: str, **variables: Any) -> None:
    response = await client.post(
        f"{server.base_url}/graphql", json={"query": query, "variables": variables}
    )
    body = response.json()
    if "errors" in body:
        raise RuntimeError(body["errors"])


async def upsert(client: httpx.AsyncClient, server: Server, name: str, **fields: Any) -> None:
    """Store a rule with a 60 s window unless given."""
    rule = {"name": name, "windowSeconds": 60, **fields}
    await graphql(client, server, UPSERT, input=rule)


async def post_logs(client: httpx.AsyncClient, server: Server, logs: list[dict[str, Any]]) -> float:
    """POST a bulk batch; the perf_counter time its response arrived."""
    response = await client.post(f"{server.base_url}/api/v1/bulk_logs/", json=logs)
    response.raise_for_status()
    return time.perf_counter()


def log(service: str, level: str = "ERROR", message: str = "card declined") -> dict[str, Any]:
    return {"level": level, "service": service, "message": message}
