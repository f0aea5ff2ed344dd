"""Log lines: every one carries the request id it is about; LOG_FORMAT=json writes each as one
JSON object per line, with the structured fields (access, audit, alert) as keys."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Literal

import orjson

from core.request_id import current_request_id
from settings import ConfigError, get_settings

STRUCTURED = ("access", "audit", "alert")


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "requestId": getattr(record, "request_id", "-"),
        }
        for name in STRUCTURED:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def configure_logging(log_format: Literal["text", "json"]) -> None:
    """One handler on the root logger, replacing uvicorn's and basicConfig's formats.

    Neither format shows where a line was logged from, or which thread, process or task logged
    it, so records skip finding those out (the logging HOWTO's "Optimization" section): every
    request writes an access line, and the caller's frame was the dearest part of it.
    """
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    if sys.version_info >= (3, 12):
        logging.logAsyncioTasks = False
    root = logging.getLogger()
    root.handlers[:] = [line_handler(log_format)]
    root.setLevel(logging.INFO)
    _take_over_uvicorn()


def line_handler(log_format: Literal["text", "json"]) -> logging.Handler:
    """Where every line goes (standard error), in LOG_FORMAT, naming its request."""
    handler = logging.StreamHandler()
    handler.addFilter(_RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    return handler


def uvicorn_handler() -> logging.Handler:
    """The handler `--log-config ops/logging.json` gives uvicorn before any app code runs: the
    lines of a `--workers` supervisor, which never imports the app, are in LOG_FORMAT too."""
    try:
        log_format = get_settings().log_format
    except ConfigError:
        log_format = "text"  # the app's import says what is wrong, in its one line
    return line_handler(log_format)


def _take_over_uvicorn() -> None:
    """uvicorn's lines go through lograph's handler, so LOG_FORMAT holds for every line; its
    access line goes: lograph's (`ops/requests.py`, with the request id) is the one per request.

    uvicorn configures its loggers before it imports the app, and writes an access line only
    while `uvicorn.access` has a handler to write to, whichever flags it was started with.
    """
    for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
