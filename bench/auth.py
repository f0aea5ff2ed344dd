"""What API keys and rate limits cost: `python -m bench.auth [--rounds 3] [--seconds 5]`.

The same single-create and filter-query loads as bench.logs (g) and (h), at concurrency 8 on one
worker, against two servers on one scratch database and one Redis: one without keys or limits,
one with AUTH_REQUIRED, every request carrying a key that has a rate limit (high enough never to
refuse: the cost of counting is what is measured), its counts shared through Redis.
Rounds alternate between the two, so drifts of the shared machine touch both alike.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace

import httpx
import redis

from bench import workload
from bench.data import LIVE_SPAN, LogFactory, Window
from bench.fill import fill_logs
from bench.load import Call, Load, measure
from bench.measure import WARMUP_SECONDS, settle
from bench.stats import median
from testing.database import scratch_database
from testing.server import Server, running_servers

ADMIN_KEY = "bench-admin-key-0123456789"
REDIS_URL = "redis://127.0.0.1:6379/14"
ROWS = 200_000
CONCURRENCY = 8


def with_key(calls: Sequence[Call], key: str) -> list[Call]:
    """The same requests, each carrying `Authorization: Bearer <key>`."""
    header = f"\r\nauthorization: Bearer {key}\r\nhost:".encode()
    return [replace(call, request=call.request.replace(b"\r\nhost:", header, 1)) for call in calls]


def create_key(server: Server) -> str:
    query = (
        'mutation { createApiKey(name: "bench", scopes: [INGEST, READ], '
        "rateLimitPerSecond: 1000000) { key } }"
    )
    answer = httpx.post(
        f"{server.base_url}/graphql",
        json={"query": query},
        headers={"authorization": f"Bearer {ADMIN_KEY}"},
    ).json()
    key: str = answer["data"]["createApiKey"]["key"]
    return key


def rate(server: Server, calls: Sequence[Call], seconds: float) -> float:
    settle()
    load = Load(10**9, seconds, CONCURRENCY)
    warmup = Load(10**9, WARMUP_SECONDS, CONCURRENCY)
    return measure(server.port, calls, load, warmup=warmup).per_second


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.auth", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    redis.Redis.from_url(REDIS_URL).flushdb()
    history = LogFactory(Window.ending_now())
    live = LogFactory(Window.ending_now(LIVE_SPAN), seed=2)
    loads = {
        "REST POST /api/v1/logs/": workload.rest_creates(live, 2000),
        "GraphQL createLog": workload.graphql_creates(live, 2000),
        "GraphQL logs(filter)": workload.graphql_filters(workload.filter_cases(history, 200)),
    }
    with scratch_database("lograph_bench_auth") as database:
        # Both share Redis (as production does), so only keys and limits differ between them.
        common = {
            "DATABASE_URL": database.sqlalchemy_url,
            "ENABLE_ALERTS": "false",
            "REDIS_URL": REDIS_URL,
        }
        secured = {**common, "AUTH_REQUIRED": "true", "ADMIN_API_KEY": ADMIN_KEY}
        with (
            running_servers(1, env=common) as (open_server,),
            running_servers(1, env=secured) as (keyed_server,),
        ):
            fill_logs(database, history.window, total_rows=ROWS)
            key = create_key(keyed_server)
            rows = []
            for name, calls in loads.items():
                keyed_calls = with_key(calls, key)
                plain, keyed = [], []
                for _ in range(args.rounds):
                    plain.append(rate(open_server, calls, args.seconds))
                    keyed.append(rate(keyed_server, keyed_calls, args.seconds))
                rows.append((name, median(plain), median(keyed), plain, keyed))
    print("| concurrency 8, 1 worker | no keys (req/s) | key + rate limit (req/s) | cost |")
    print("| --- | --- | --- | --- |")
    for name, plain_median, keyed_median, plain, keyed in rows:
        cost = 100 * (1 - keyed_median / plain_median)
        print(
            f"| {name} | {plain_median:,.0f} ({' / '.join(f'{r:,.0f}' for r in plain)}) | "
            f"{keyed_median:,.0f} ({' / '.join(f'{r:,.0f}' for r in keyed)}) | {cost:+.1f} % |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
