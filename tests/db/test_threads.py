"""The database's worker threads: results, errors, contexts, the thread cap and cancellation."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

from db.threads import Workers

WHO: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="nobody")


def test_a_call_returns_its_result_or_raises_its_error_in_the_callers_context() -> None:
    asyncio.run(_a_call_returns_its_result_or_raises_its_error_in_the_callers_context())


async def _a_call_returns_its_result_or_raises_its_error_in_the_callers_context() -> None:
    workers = Workers(2, name="test")
    WHO.set("caller")
    assert await workers.submit(WHO.get, contextvars.copy_context()) == "caller"
    with pytest.raises(ZeroDivisionError):
        await workers.submit(lambda: 1 / 0, contextvars.copy_context())
    workers.shutdown()
    with pytest.raises(RuntimeError):
        workers.submit(WHO.get, contextvars.copy_context())


def test_at_most_limit_calls_run_at_once_and_the_rest_wait_their_turn() -> None:
    asyncio.run(_at_most_limit_calls_run_at_once_and_the_rest_wait_their_turn())


async def _at_most_limit_calls_run_at_once_and_the_rest_wait_their_turn() -> None:
    workers = Workers(3, name="test")
    running = 0
    most = 0
    lock = threading.Lock()

    def call() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1

    await asyncio.gather(*(workers.submit(call, contextvars.copy_context()) for _ in range(12)))
    assert most == 3
    assert len([t for t in threading.enumerate() if t.name.startswith("test-")]) == 3
    workers.shutdown()


def test_a_call_cancelled_while_waiting_for_a_thread_never_runs() -> None:
    asyncio.run(_a_call_cancelled_while_waiting_for_a_thread_never_runs())


async def _a_call_cancelled_while_waiting_for_a_thread_never_runs() -> None:
    workers = Workers(1, name="test")
    release = threading.Event()
    ran = []
    blocker = workers.submit(release.wait, contextvars.copy_context())
    waiting = workers.submit(lambda: ran.append(1), contextvars.copy_context())
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await waiting
    release.set()
    await blocker
    await workers.submit(lambda: None, contextvars.copy_context())  # runs after the skipped one
    assert ran == []
    workers.shutdown()


def test_a_call_given_up_on_never_runs_and_a_late_result_is_dropped() -> None:
    asyncio.run(_a_call_given_up_on_never_runs_and_a_late_result_is_dropped())


async def _a_call_given_up_on_never_runs_and_a_late_result_is_dropped() -> None:
    """db.engine gives up on a call by settling its future with an error of its own."""
    errors: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, context: errors.append(context))
    workers = Workers(1, name="test")
    release = threading.Event()
    ran = []
    running = workers.submit(release.wait, contextvars.copy_context())
    waiting = workers.submit(lambda: ran.append(1), contextvars.copy_context())
    running.set_exception(TimeoutError("given up while running"))
    waiting.set_exception(TimeoutError("given up while waiting"))
    release.set()
    await workers.submit(lambda: None, contextvars.copy_context())  # runs after the skipped one
    await asyncio.sleep(0.05)  # the running call's late result has reached the loop
    assert ran == []
    assert errors == []
    for future in (running, waiting):
        with pytest.raises(TimeoutError):
            future.result()
    workers.shutdown()
