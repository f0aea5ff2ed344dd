"""The pattern miner in a process of its own, so that ingest never waits on mining.

Mining is CPU work in Python: in the server's process it holds the GIL against the event loop
and takes the core ingest runs on. So on PostgreSQL the app starts the miner (the same
`PatternMiner`, claims and all) in a child process with a lower CPU priority
(`PATTERN_MINER_NICE`): when the machine is saturated ingest wins the CPU, and the miner
catches up when it is not. The child tells the app, over a pipe, what each batch did (for
`/metrics`) and which patterns it stored first (for the new-pattern alerts, which live in the
app). It ends when the app closes the pipe, and so also when the app dies without a word.

SQLite allows one writer, and a second process would contend for its file lock: there the
app mines in its own process, as before.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from contextlib import suppress
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Literal, Protocol

from core import metrics
from core.new_patterns import NewPattern, OnNewPatterns
from core.pattern_miner import PatternMiner, new_pattern_miner
from db.engine import Database
from db.timeouts import Timeouts
from settings import Settings

logger = logging.getLogger("lograph.patterns")

# Spawned, not forked: the server has threads (database workers, Redis) a fork would copy
# mid-flight.
SPAWN = multiprocessing.get_context("spawn")
RESTART_SECONDS = 1.0
STOP_SECONDS = 5.0  # a batch being stored may finish; then the child is terminated


class Background(Protocol):
    """Mining that runs until the app stops it."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


# How a process sets up its logging from LOG_FORMAT (ops/logs.py): the child's lines come out
# as the server's. A module-level function, so that spawning can pickle it.
ConfigureLogging = Callable[[Literal["text", "json"]], None]


def background_miner(
    db: Database,
    settings: Settings,
    *,
    in_process: PatternMiner,
    on_new: OnNewPatterns,
    configure_logging: ConfigureLogging,
) -> Background | None:
    """What mines in the background for this app: None when ENABLE_PATTERNS is off."""
    if not settings.enable_patterns:
        return None
    if db.is_sqlite:
        return in_process
    return MinerProcess(settings, on_new=on_new, configure_logging=configure_logging)


class MinerProcess:
    """Starts the miner's process, hears from it, and stops it with the app."""

    def __init__(
        self, settings: Settings, *, on_new: OnNewPatterns, configure_logging: ConfigureLogging
    ) -> None:
        self._settings = settings
        self._configure_logging = configure_logging
        self._on_new = on_new
        self._process: BaseProcess | None = None
        self._stop: Connection | None = None
        self._listener: threading.Thread | None = None
        self._stopping = False
        self._turns = asyncio.Lock()  # a restart and the app's stop, one after the other

    async def start(self) -> None:
        running, self._stop = SPAWN.Pipe(duplex=False)
        news, told = SPAWN.Pipe(duplex=False)
        process = SPAWN.Process(
            target=run,
            args=(self._settings, self._configure_logging, running, told),
            name="lograph-miner",
            daemon=True,
        )
        process.start()
        running.close()  # the child's ends: the child alone holds them now, so that each
        told.close()  # side reads an end-of-file when the other is gone
        self._process = process
        loop = asyncio.get_running_loop()
        self._listener = threading.Thread(
            target=self._listen, args=(news, loop), name="lograph-miner-news", daemon=True
        )
        self._listener.start()

    async def stop(self) -> None:
        """Close the pipe (the child stops mining and hands its leases over), then wait."""
        self._stopping = True
        async with self._turns:
            if self._process is None or self._stop is None:
                return
            self._stop.close()
            await asyncio.to_thread(_end, self._process)
            if self._listener is not None:  # it reads the end of the pipe once the child ended
                await asyncio.to_thread(self._listener.join)
            self._process.close()
            self._process = None

    def _listen(self, news: Connection, loop: asyncio.AbstractEventLoop) -> None:
        with news:
            while True:
                try:
                    said: Any = news.recv()
                except (EOFError, OSError):
                    if not self._stopping:
                        logger.error("the pattern miner's process ended: starting another")
                        asyncio.run_coroutine_threadsafe(self._restart(), loop)
                    return
                if isinstance(said, dict):
                    metrics.patterns_mined(**said)
                else:
                    asyncio.run_coroutine_threadsafe(self._announce(said), loop)

    async def _restart(self) -> None:
        """A new miner process after one ended by itself (killed, out of memory), after a pause
        so that one failing as it starts does not take a core."""
        await asyncio.sleep(RESTART_SECONDS)
        async with self._turns:
            if self._stopping or self._process is None or self._stop is None:
                return
            self._stop.close()
            await asyncio.to_thread(_end, self._process)
            self._process.close()
            await self.start()

    async def _announce(self, patterns: list[NewPattern]) -> None:
        await self._on_new(patterns)


def _end(process: BaseProcess) -> None:
    process.join(STOP_SECONDS)
    if process.exitcode is None:
        logger.warning("the pattern miner did not stop within %g s: terminated", STOP_SECONDS)
        process.terminate()
        process.join(STOP_SECONDS)
    if process.exitcode is None:
        process.kill()
        process.join()


def run(
    settings: Settings, configure_logging: ConfigureLogging, running: Connection, told: Connection
) -> None:
    """The child's body: mine until the app closes its end of `running`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the group: the app stops us
    os.nice(settings.pattern_miner_nice)
    configure_logging(settings.log_format)
    asyncio.run(_mine(settings, running, told))


async def _mine(settings: Settings, running: Connection, told: Connection) -> None:
    db = Database(
        settings.database_url,
        timeouts=Timeouts.of(settings),
        fast_path=settings.database_fast_path,
    )

    async def announce(patterns: list[NewPattern]) -> None:
        told.send(patterns)

    def count(**counts: int) -> None:
        told.send(counts)

    miner = new_pattern_miner(db, settings, on_new=announce, count=count)
    await miner.start()
    try:
        await asyncio.to_thread(_wait_for_end, running)
    finally:
        await miner.stop()
        db.close()
        told.close()


def _wait_for_end(running: Connection) -> None:
    with suppress(EOFError):
        running.recv()
