"""The in-process hub: each subscriber gets what it wants, and a slow one never holds others up."""

from __future__ import annotations

import asyncio

import pytest

from broker.hub import Hub, SubscriberOverflow


def test_a_cut_off_subscriber_reads_its_queue_then_overflows() -> None:
    async def scenario() -> tuple[list[int], list[int]]:
        hub: Hub[int] = Hub(name="numbers", queue_size=3, drop_oldest=False)
        async with hub.subscribe() as slow, hub.subscribe(lambda n: n % 2 == 0) as evens:
            received = []
            for number in range(6):
                hub.deliver(number)
                if number % 2 == 0:
                    received.append(await evens.get())
            kept = [await slow.get() for _ in range(3)]
            with pytest.raises(SubscriberOverflow):
                await slow.get()
        return received, kept

    received, kept = asyncio.run(scenario())
    assert received == [0, 2, 4]
    assert kept == [0, 1, 2]


def test_leaving_unsubscribes() -> None:
    async def scenario() -> int:
        hub: Hub[int] = Hub(name="numbers", drop_oldest=True)
        async with hub.subscribe():
            assert hub.subscriber_count == 1
        return hub.subscriber_count

    assert asyncio.run(scenario()) == 0
