"""The periodic sweep counts every process's logs, so of the processes sharing Redis one runs
it each interval; without Redis each process runs its own."""

from __future__ import annotations

import asyncio

import pytest
import redis

from alerts.claims import SWEEP_KEY, Claims
from broker.redis_link import RedisLink


async def _turns(url: str | None, *, seconds: float) -> list[bool]:
    """Two processes' claims asking for the turn one after the other."""
    first, second = Claims(RedisLink(url)), Claims(RedisLink(url))
    return [await first.sweep_turn(seconds=seconds), await second.sweep_turn(seconds=seconds)]


@pytest.mark.redis
def test_one_process_takes_each_turn_and_the_next_turn_is_free_once_it_ends(
    redis_url: str, shared_redis: redis.Redis
) -> None:
    assert asyncio.run(_turns(redis_url, seconds=60)) == [True, False]
    assert 0 < shared_redis.pttl(SWEEP_KEY) <= 60_000
    shared_redis.delete(SWEEP_KEY)  # the turn ran out
    assert asyncio.run(_turns(redis_url, seconds=60)) == [True, False]


def test_without_redis_every_process_sweeps() -> None:
    assert asyncio.run(_turns(None, seconds=60)) == [True, True]
