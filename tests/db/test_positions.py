"""One WAL position fetch shared by the reads that wait for it, never older than a read."""

from __future__ import annotations

import asyncio
import contextlib

from db.positions import Fresh


class Primary:
    """A stand-in for the primary's position: it advances by one on every fetch."""

    def __init__(self) -> None:
        self.fetches = 0
        self.release = asyncio.Event()

    async def fetch(self) -> int:
        self.fetches += 1
        await self.release.wait()
        return self.fetches


def test_reads_arriving_together_share_one_fetch() -> None:
    async def scenario() -> tuple[list[int], int]:
        primary = Primary()
        fresh = Fresh(primary.fetch)
        waiting = [asyncio.ensure_future(fresh.get()) for _ in range(50)]
        await asyncio.sleep(0)
        primary.release.set()
        return list(await asyncio.gather(*waiting)), primary.fetches

    values, fetches = asyncio.run(scenario())
    assert values == [1] * 50
    assert fetches == 1


def test_a_read_arriving_while_a_fetch_is_out_waits_for_the_next_one() -> None:
    async def scenario() -> tuple[int, int, int]:
        primary = Primary()
        fresh = Fresh(primary.fetch)
        early = asyncio.ensure_future(fresh.get())
        await asyncio.sleep(0.01)  # its fetch is out
        late = [asyncio.ensure_future(fresh.get()) for _ in range(10)]
        await asyncio.sleep(0.01)
        primary.release.set()
        values = await asyncio.gather(*late)
        assert len(set(values)) == 1
        return await early, values[0], primary.fetches

    early, late, fetches = asyncio.run(scenario())
    assert (early, late, fetches) == (1, 2, 2)


def test_a_failed_fetch_fails_its_readers_and_the_next_read_fetches_again() -> None:
    calls = []

    async def fetch() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("primary down")
        return 7

    async def scenario() -> int:
        fresh = Fresh(fetch)
        with contextlib.suppress(ConnectionError):
            await fresh.get()
        return await fresh.get()

    assert asyncio.run(scenario()) == 7
