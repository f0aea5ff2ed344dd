"""Background tasks that must end with the app."""

from __future__ import annotations

import asyncio
import contextlib

AGAIN_SECONDS = 1.0  # how long a cancelled task may take to end before it is cancelled again


async def stop_task(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task and wait until it has ended.

    A task can swallow a cancellation: on Python 3.11, asyncio.wait_for returns (or raises) its
    inner result when that is ready as the cancellation lands, and a loop that then goes on
    would keep the app from ever shutting down. So it is cancelled again while it runs.
    """
    if task is None:
        return
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=AGAIN_SECONDS)
    with contextlib.suppress(asyncio.CancelledError):
        await task
