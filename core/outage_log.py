"""Logging an outage once per interval, not once per failed request."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

INTERVAL_SECONDS = 10.0


class OutageLog:
    """At most one line per interval; the next line says how many were held back."""

    def __init__(self, logger: logging.Logger, *, interval_seconds: float = INTERVAL_SECONDS):
        self.logger = logger
        self.interval_seconds = interval_seconds
        self._lock = threading.Lock()
        self._next_line_at = 0.0
        self._held_back = 0

    def error(self, message: str, *args: Any) -> None:
        self._log(logging.ERROR, message, *args)

    def warning(self, message: str, *args: Any) -> None:
        self._log(logging.WARNING, message, *args)

    def _log(self, level: int, message: str, *args: Any) -> None:
        now = time.monotonic()
        with self._lock:
            if now < self._next_line_at:
                self._held_back += 1
                return
            held_back, self._held_back = self._held_back, 0
            self._next_line_at = now + self.interval_seconds
        if held_back:
            message += f" ({held_back} more like it since the last line)"
        self.logger.log(level, message, *args)


# Shared by every surface: one outage, one line per interval, however it is reached.
database_outage = OutageLog(logging.getLogger("lograph.db"))
slow_queries = OutageLog(logging.getLogger("lograph.db"))
