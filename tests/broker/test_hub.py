"""The in-process hub: each subscriber gets what it wants, and a slow one never holds others up."""

from __future__ import annotations

import asyncio

import pytest

from broker.hub import Hub, SubscriberOverflow


def test_a_cut_off_subscriber_lets_go_of_its_queue_at_once() -> None:
    async def scenario() -> tuple[list[int], int]:
        hub: Hub[int] = Hub(name="numbers", queue_size=3, drop_oldest=False)
        async with hub.subscribe() as slow, hub.subscribe(lambda n: n % 2 == 0) as evens:
            received = []
            for number in range(6):
                hub.deliver(number)
                if number % 2 == 0:
                    received.append(await evens.get())
            assert slow.overflowed
            queued = slow.queue.qsize()
            with pytest.raises(SubscriberOverflow):
                await slow.get()
        return received, queued

    received, queued = asyncio.run(scenario())
    assert received == [0, 2, 4]
    assert queued <= 1  # the wake-up for a `get` already waiting, nothing it was sent


def test_a_subscriber_is_cut_off_when_its_queue_would_outweigh_its_bytes() -> None:
    async def scenario() -> tuple[list[int], bool]:
        hub: Hub[int] = Hub(
            name="numbers", queue_size=100, drop_oldest=False, max_bytes=10, weigh=lambda n: n
        )
        async with hub.subscribe() as subscriber:
            hub.deliver(20)  # an empty queue takes any one item
            hub.deliver(1)  # 21 bytes queued: over
            cut = subscriber.overflowed
        async with hub.subscribe() as reader:
            taken = []
            for number in (6, 4, 7):
                hub.deliver(number)
                taken.append(await reader.get())  # read as it comes: never more than 7 held
        return taken, cut and not reader.overflowed

    taken, cut_only_the_slow_one = asyncio.run(scenario())
    assert taken == [6, 4, 7]
    assert cut_only_the_slow_one


def test_a_waiting_subscriber_is_woken_when_cut_off() -> None:
    async def scenario() -> None:
        hub: Hub[int] = Hub(name="numbers", queue_size=1, drop_oldest=False)
        async with hub.subscribe() as subscriber:
            waiting = asyncio.ensure_future(subscriber.get())
            hub.deliver(1)  # wakes the waiter, which has not taken it yet
            hub.deliver(2)  # the queue is full: cut off before the waiter ran
            with pytest.raises(SubscriberOverflow):
                await asyncio.wait_for(waiting, 5)

    asyncio.run(scenario())


def test_leaving_unsubscribes() -> None:
    async def scenario() -> int:
        hub: Hub[int] = Hub(name="numbers", drop_oldest=True)
        async with hub.subscribe():
            assert hub.subscriber_count == 1
        return hub.subscriber_count

    assert asyncio.run(scenario()) == 0
