"""Only rules the new logs could trip are evaluated, and bursts coalesce per rule."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from alerts.coalesce import Coalescer
from alerts.groups import MAX_GROUPS
from alerts.known import KnownStates, touched
from alerts.rules import Tripwires
from core.rules import make_rule
from db.alert_history import AlertState
from db.alert_instances import Instance
from db.levels import Level
from db.logs import LogRecord

NOW = datetime(2025, 10, 9, 12, tzinfo=UTC)


def written_log(*, timestamp: datetime = NOW - timedelta(seconds=5)) -> LogRecord:
    """A log as the write hook hands it over."""
    return LogRecord(
        id=1,
        timestamp=timestamp,
        level=Level.ERROR,
        service="api",
        message="Upstream TIMEOUT after 3 s",
        metadata=None,
    )


@pytest.mark.parametrize(
    ("conditions", "log", "expected"),
    [
        ({"level": Level.ERROR}, written_log(), True),
        ({"level": Level.WARN}, written_log(), False),
        ({"min_level": Level.WARN}, written_log(), True),
        ({"min_level": Level.FATAL}, written_log(), False),
        ({"service": "api"}, written_log(), True),
        ({"service": "web"}, written_log(), False),
        ({"message_contains": "timeout"}, written_log(), True),
        ({"message_contains": "refused"}, written_log(), False),
        ({"service": "api"}, written_log(timestamp=NOW - timedelta(seconds=61)), False),
        ({"service": "api"}, written_log(timestamp=NOW + timedelta(seconds=1)), False),
        ({"service": "api", "level": Level.INFO}, written_log(), False),
    ],
)
def test_a_rule_is_queued_only_for_logs_it_would_count(
    conditions: dict[str, object], log: LogRecord, expected: bool
) -> None:
    rule = make_rule(name="r", threshold=1, window_seconds=60, **conditions)  # type: ignore[arg-type]
    assert (Tripwires([rule]).tripped([log], now=NOW) == [rule]) is expected


def test_rules_sharing_a_filter_are_each_tripped_by_a_log_within_their_own_window() -> None:
    windows = {"1m": 60, "10m": 600, "1h": 3600}
    rules = [
        make_rule(name=name, threshold=1, window_seconds=seconds, level=Level.ERROR)
        for name, seconds in windows.items()
    ]
    other = make_rule(name="web", threshold=1, window_seconds=3600, service="web")
    wires = Tripwires([*rules, other])
    old = written_log(timestamp=NOW - timedelta(seconds=300))
    recent = written_log(timestamp=NOW - timedelta(seconds=5))
    assert {rule.name for rule in wires.tripped([old], now=NOW)} == {"10m", "1h"}
    assert {rule.name for rule in wires.tripped([old, recent], now=NOW)} == {"1m", "10m", "1h"}
    assert wires.tripped([written_log(timestamp=NOW + timedelta(seconds=1))], now=NOW) == []


def test_requests_during_a_run_collapse_into_one_more_run() -> None:
    async def scenario() -> list[str]:
        runs: list[str] = []
        release = asyncio.Event()

        async def work(key: str) -> None:
            runs.append(key)
            await release.wait()

        coalescer: Coalescer[str] = Coalescer(work)
        for _ in range(5):
            coalescer.request("a")
        coalescer.request("b")
        await asyncio.sleep(0)
        for _ in range(5):
            coalescer.request("a")
        release.set()
        await coalescer.idle()
        return runs

    assert sorted(asyncio.run(scenario())) == ["a", "a", "b"]


def test_a_failing_run_is_logged_and_the_key_stays_usable(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> int:
        calls = 0

        async def work(_key: str) -> None:
            nonlocal calls
            calls += 1
            raise RuntimeError("boom")

        coalescer: Coalescer[str] = Coalescer(work)
        coalescer.request("a")
        await coalescer.idle()
        coalescer.request("a")
        await coalescer.idle()
        return calls

    assert asyncio.run(scenario()) == 2
    assert caplog.text.count("alert work for 'a' failed") == 2


def test_an_outage_failing_every_rule_is_logged_once_not_once_per_rule(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from db.engine import DatabaseUnavailable

    async def scenario() -> None:
        async def work(key: str) -> None:
            raise DatabaseUnavailable("connection refused")

        coalescer: Coalescer[str] = Coalescer(work)
        for rule in range(50):
            coalescer.request(f"rule-{rule}")
        await coalescer.idle()

    with caplog.at_level("ERROR"):
        asyncio.run(scenario())
    assert len([r for r in caplog.records if "alert work" in r.getMessage()]) <= 1
    assert not [r for r in caplog.records if r.name == "lograph.alerts"]


@pytest.mark.parametrize("group_by", [("service",), ("level",)])
def test_a_write_moves_a_grouped_above_rule_only_in_its_groups_not_firing(
    group_by: tuple[str, ...],
) -> None:
    rule = make_rule(
        name="r",
        threshold=1,
        window_seconds=60,
        min_level=Level.WARN,
        lifecycle=True,
        group_by=group_by,
    )
    error, warn = written_log(), replace(written_log(), level=Level.WARN, service="web")
    info = replace(written_log(), level=Level.INFO, service="db")  # counts in no group
    key = ('"api"',) if group_by == ("service",) else ('"ERROR"',)
    other = ('"web"',) if group_by == ("service",) else ('"WARN"',)
    known = KnownStates()
    assert touched([rule], [error, info], known) == [(rule, frozenset({key}))]
    known.moved(rule, "f", Instance(AlertState.FIRING, NOW, 1, key))
    assert touched([rule], [error, info], known) == []
    assert touched([rule], [error, warn], known) == [(rule, frozenset({other}))]
    known.moved(rule, "f", Instance(AlertState.RESOLVED, NOW, 2, key))
    assert touched([rule], [error], known) == [(rule, frozenset({key}))]


def test_a_write_counts_only_its_groups_while_those_known_stay_within_max_groups() -> None:
    keys = [(f'"s{index}"',) for index in range(MAX_GROUPS + 1)]
    known = KnownStates()
    assert not known.few_groups("r", keys[:1])  # never counted whole here
    known.counted("r", keys[:99], whole=True)
    assert known.few_groups("r", keys[98:100])
    known.counted("r", keys[99:100], whole=False)  # a write's count found a new group
    assert not known.few_groups("r", keys[100:])  # 101: which 100 depends on every count
    known.counted("r", keys[:1], whole=True)  # the others left the window
    assert known.few_groups("r", keys[100:])


def test_after_another_process_swept_a_write_counts_its_rules_whole_again() -> None:
    keys = [(f'"s{index}"',) for index in range(3)]
    known = KnownStates()
    known.counted("r", keys, whole=True)
    assert known.few_groups("r", keys[:1])
    known.whole_counts_aged()  # that sweep saw groups only the other process wrote
    assert not known.few_groups("r", keys[:1])
