"""The answers shared by subscribers (graph/fast/event_answers.py) are bounded: at most
RECENT_ANSWERS of them, none kept past RECENT_SECONDS, and an answer dropped lets its event go."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from graph.fast import event_answers
from graph.fast.event_answers import RECENT_ANSWERS, RECENT_SECONDS, answer
from graph.fast.plans import Plan

PLAN = Plan("Thing", [("name", "name", str, False)])


class Event:
    __slots__ = ("__weakref__", "name")

    def __init__(self, name: str) -> None:
        self.name = name


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    clock = Clock()
    monkeypatch.setattr(event_answers, "monotonic", clock)
    event_answers._recent.clear()
    yield clock
    event_answers._recent.clear()


def test_an_event_is_answered_once_for_every_subscriber(clock: Clock) -> None:
    event = Event("a")
    first = answer(PLAN, event)
    assert first == {"name": "a"}
    assert answer(PLAN, event) is first


@pytest.mark.slow
def test_at_most_recent_answers_are_kept_and_the_dropped_events_go(clock: Clock) -> None:
    events = [Event(str(index)) for index in range(RECENT_ANSWERS + 10)]
    dropped = [weakref.ref(event) for event in events[:10]]
    for event in events:
        answer(PLAN, event)
    del events
    gc.collect()
    assert len(event_answers._recent) == RECENT_ANSWERS
    assert [ref() for ref in dropped] == [None] * 10


def test_answers_older_than_recent_seconds_are_dropped_and_their_events_go(
    clock: Clock,
) -> None:
    old = [Event(str(index)) for index in range(100)]
    refs = [weakref.ref(event) for event in old]
    for event in old:
        answer(PLAN, event)
    del old, event
    clock.now += RECENT_SECONDS + 1
    fresh = Event("fresh")
    answer(PLAN, fresh)
    gc.collect()
    assert len(event_answers._recent) == 1
    assert [ref() for ref in refs] == [None] * 100
