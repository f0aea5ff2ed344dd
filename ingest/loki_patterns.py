"""`GET /loki/api/v1/patterns`: the patterns of a service's logs, as Loki answers them, so that
Grafana's pattern views read lograph.

The query is a LogQL stream selector of equality matchers on the service's labels (those the
push route reads a service from): `{service_name="checkout"}`. Times are Loki's: RFC 3339, or
Unix seconds (10 digits at most, or with a fraction) or nanoseconds; `step` a duration
(`30s`, `1m`, `1h30m`) or seconds.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Response

from core.patterns import PatternSamples
from db.histogram import EPOCH
from db.logs import LogCriteria
from db.models import as_utc
from ingest import ndjson
from ingest.errors import IngestError
from ingest.loki import SERVICE_LABELS

DEFAULT_RANGE = timedelta(hours=1)  # Loki's default when `start` is not given
MAX_SAMPLES = 11_000  # steps in one answer, as Loki's own cap on points
MAX_STEP_SECONDS = 10**9  # about 31 years: wider than any range, still a valid timedelta
_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*')
_DURATION = re.compile(r"(?:(\d+)(w|d|h|m|s))+")
_UNIT = {"w": 604_800, "d": 86_400, "h": 3600, "m": 60, "s": 1}
_PLACEHOLDER = re.compile(r"<(?:\*|[A-Z][A-Z0-9_]*)>")  # Drain's `<*>` and the masks' names


def selected_services(query: str | None) -> frozenset[str]:
    """The services a stream selector names; 400, as Loki, when it is not one."""
    text = (query or "").strip()
    if not (text.startswith("{") and text.endswith("}")):
        raise IngestError(400, 'parse error: the query must be a stream selector: {label="value"}')
    services: set[str] = set()
    for matcher in text[1:-1].split(","):
        found = _MATCHER.fullmatch(matcher)
        if found is None:
            raise IngestError(400, f"parse error: unsupported matcher {matcher.strip()!r}")
        label, value = found.group(1), found.group(2).replace('\\"', '"')
        if label not in SERVICE_LABELS:
            raise IngestError(400, f"label {label!r} is not one of {', '.join(SERVICE_LABELS)}")
        services.add(value)
    if len(services) != 1:
        raise IngestError(400, "the selector must name one service")
    return frozenset(services)


def instant(value: str | None, *, name: str, default: datetime) -> datetime:
    """A Loki timestamp parameter."""
    if not value:
        return default
    try:
        if "." in value:
            return EPOCH + timedelta(seconds=float(value))
        if value.lstrip("-").isdigit():
            number = int(value)
            return EPOCH + (
                timedelta(seconds=number)
                if len(value) <= 10
                else timedelta(microseconds=number // 1000)
            )
        return as_utc(datetime.fromisoformat(value))  # without an offset: UTC
    except (ValueError, OverflowError):
        raise IngestError(400, f"invalid parameter {name!r}: cannot parse {value!r}") from None


def step_of(value: str | None, *, start: datetime, end: datetime) -> timedelta:
    """`step`, or Loki's default (the range over 250, at least a second): whole seconds."""
    if not value:
        return timedelta(seconds=max(math.floor((end - start).total_seconds() / 250), 1))
    seconds = _seconds(value)
    if not (math.isfinite(seconds) and 1 <= seconds <= MAX_STEP_SECONDS and seconds.is_integer()):
        raise IngestError(400, "invalid parameter 'step': must be whole seconds, at least 1s")
    step = timedelta(seconds=int(seconds))
    if (end - start) / step > MAX_SAMPLES:
        raise IngestError(400, f"exceeded maximum resolution of {MAX_SAMPLES} points per series")
    return step


def _seconds(value: str) -> float:
    if _DURATION.fullmatch(value):
        return float(sum(int(n) * _UNIT[unit] for n, unit in re.findall(r"(\d+)(\w)", value)))
    try:
        return float(value)
    except ValueError:
        raise IngestError(400, f"invalid parameter 'step': cannot parse {value!r}") from None


@dataclass(frozen=True, slots=True)
class PatternsRequest:
    """What a request asks: the logs to count, and the steps to count them by."""

    criteria: LogCriteria
    start: datetime
    step: timedelta


def parse(
    *, query: str | None, start: str | None, end: str | None, step: str | None
) -> PatternsRequest:
    """The request's parameters, or a 400 naming the bad one, as Loki answers."""
    services = selected_services(query)
    until = instant(end, name="end", default=datetime.now(UTC))
    since = instant(start, name="start", default=until - DEFAULT_RANGE)
    if until < since:
        raise IngestError(400, "end timestamp must not be before start time")
    criteria = LogCriteria(services=services, start_time=since, end_time=until)
    return PatternsRequest(criteria, since, step_of(step, start=since, end=until))


def answer(found: list[PatternSamples]) -> Response:
    """Loki's shape; its placeholder `<_>` for each variable part."""
    data: list[dict[str, Any]] = [
        {"pattern": _PLACEHOLDER.sub("<_>", one.template), "samples": one.samples} for one in found
    ]
    return ndjson.answer(200, {"status": "success", "data": data})
