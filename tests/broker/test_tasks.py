"""Background tasks end with the app, even one that swallows a cancellation."""

from __future__ import annotations

import asyncio

import broker.tasks
from broker.tasks import stop_task


def test_a_task_that_swallows_a_cancellation_still_stops(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(broker.tasks, "AGAIN_SECONDS", 0.05)
    asyncio.run(_a_task_that_swallows_a_cancellation_still_stops())


async def _a_task_that_swallows_a_cancellation_still_stops() -> None:
    swallowed: list[int] = []

    async def stubborn() -> None:
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed.append(1)  # as asyncio.wait_for can on Python 3.11

    task = asyncio.get_running_loop().create_task(stubborn())
    await asyncio.sleep(0)
    async with asyncio.timeout(5):
        await stop_task(task)
    assert task.cancelled()
    assert swallowed == [1]
