"""The database's worker threads: a call goes in, an asyncio future comes back.

concurrent.futures would do the job, but each call there builds a Future with its own
Condition, and asyncio wraps that in a second future: for a read of a millisecond, that was a
twentieth of the CPU spent serving it. Here a call and the loop's own future travel together on
a queue, and the worker settles the future on the loop. A call whose future was settled before
a worker took it (its caller stopped waiting: cancelled, or given up on by db.engine's timer)
is never run, and a result that comes after the future was settled is dropped.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from contextlib import suppress
from contextvars import Context
from queue import SimpleQueue
from typing import Any, TypeVar

T = TypeVar("T")
Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Context, Callable[[], Any]]


class Workers:
    """At most `limit` threads, started as calls need them, each running calls one at a time."""

    def __init__(self, limit: int, *, name: str) -> None:
        self.limit = limit
        self.name = name
        self._jobs: SimpleQueue[Job | None] = SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0
        self._closed = False

    def submit(self, call: Callable[[], T], context: Context) -> asyncio.Future[T]:
        """Run `call` in `context` on a worker; the future is settled on the running loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self.name} is shut down")
            if self._idle:
                self._idle -= 1
            elif self._threads < self.limit:
                self._threads += 1
                # Daemon: a call stuck on a frozen database must not keep the process alive.
                name = f"{self.name}-{self._threads}"
                threading.Thread(target=self._work, name=name, daemon=True).start()
            # else: every thread is busy; the call waits in the queue for the first free one
        self._jobs.put((loop, future, context, call))
        return future

    def shutdown(self) -> None:
        """Idle threads end; busy ones end after their call (abandoned calls run on)."""
        with self._lock:
            self._closed = True
            for _ in range(self._threads):
                self._jobs.put(None)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            loop, future, context, call = job
            if not future.done():
                try:
                    result = context.run(call)
                except BaseException as error:  # handed to the caller, as an executor would
                    _settle(loop, future, error=error)
                else:
                    _settle(loop, future, result=result)
            with self._lock:
                self._idle += 1


def _settle(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[Any],
    *,
    result: Any = None,
    error: BaseException | None = None,
) -> None:
    with suppress(RuntimeError):  # the loop has closed: nobody is waiting any more
        loop.call_soon_threadsafe(_set, future, result, error)


def _set(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)
