"""The load generator: prepared requests sent over keep-alive connections, one loop each."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import orjson
import uvloop

from bench.wire import Answer, Connection, encode_request


class BenchError(RuntimeError):
    """The app answered something other than success: the numbers would mean nothing."""


@dataclass(frozen=True, slots=True)
class Call:
    """One request, encoded before any timing starts."""

    label: str
    request: bytes
    graphql: bool = False

    def check(self, answer: Answer) -> None:
        """Raise BenchError unless the answer is a 200 (and, for GraphQL, carries no errors)."""
        if answer.status != 200 or (self.graphql and _has_errors(answer.body)):
            raise BenchError(f"{self.label} -> {answer.status}: {answer.body[:300]!r}")


def _has_errors(body: bytes) -> bool:
    return b'"errors"' in body and bool(orjson.loads(body).get("errors"))


def graphql(query: str, variables: dict[str, Any] | None = None) -> Call:
    body = orjson.dumps({"query": query, "variables": variables})
    return Call(
        f"POST /graphql {query.split('{')[0].strip()}",
        encode_request("POST", "/graphql", body),
        True,
    )


def rest_get(path: str, **params: Any) -> Call:
    target = f"{path}?{urlencode(params)}" if params else path
    return Call(f"GET {target}", encode_request("GET", target, None))


def rest_post(path: str, payload: Any) -> Call:
    return Call(f"POST {path}", encode_request("POST", path, orjson.dumps(payload)))


@dataclass(frozen=True, slots=True)
class Load:
    """How much traffic to send: stop after `requests` or `seconds`, whichever comes first."""

    requests: int
    seconds: float
    concurrency: int = 1


@dataclass(slots=True)
class Run:
    """What one measured load did: each request's latency, and the wall time of it all."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def measure(port: int, calls: Sequence[Call], load: Load, *, warmup: Load | None = None) -> Run:
    """Send `calls` (cycling) under `load`, after an untimed warm-up on the same connections."""
    try:
        return uvloop.run(_measure(port, calls, load, warmup))
    except* BenchError as group:
        raise group.exceptions[0] from None


async def _measure(port: int, calls: Sequence[Call], load: Load, warmup: Load | None) -> Run:
    connections = [await Connection.open(port) for _ in range(load.concurrency)]
    try:
        if warmup is not None:
            await _run(connections[: warmup.concurrency], calls, warmup)
        return await _run(connections, calls, load)
    finally:
        for connection in connections:
            await connection.close()


async def _run(connections: Sequence[Connection], calls: Sequence[Call], load: Load) -> Run:
    run, counter = Run(), itertools.count()
    deadline = time.monotonic() + load.seconds
    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for connection in connections:
            group.create_task(_drive(connection, calls, counter, run, deadline, load.requests))
    run.seconds = time.perf_counter() - started
    return run


async def _drive(
    connection: Connection,
    calls: Sequence[Call],
    counter: itertools.count[int],
    run: Run,
    deadline: float,
    limit: int,
) -> None:
    """One client loop: the next call as soon as the previous one is answered."""
    while time.monotonic() < deadline:
        index = next(counter)
        if index >= limit:
            return
        call = calls[index % len(calls)]
        started = time.perf_counter()
        answer = await connection.exchange(call.request)
        run.latencies.append(time.perf_counter() - started)
        call.check(answer)
