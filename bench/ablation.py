"""Each shortcut of the fast path taken out alone, for bench.fast_path to weigh it.

bench/ablated.py serves the app with the one WITHOUT names (a key of `TAKE_OUT`) taken out.
Each is taken out where it is entered, so the framework path runs in its place, as the switch
that covers it would make it run (docs/fast-path.md, "The map"). Never used by the service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import db.engine
import graph.fast.checked
import graph.fast.execution
import graph.fast.posts
import graph.fast.schema
import rest.posts
from graph.fast.event_answers import NOT_PLAIN_EVENTS
from graph.fast.plans import NOT_PLAIN


def _no_graphql_lane() -> None:
    graph.fast.posts.is_graphql_post = lambda scope: False


def _no_rest_lane() -> None:
    rest.posts.is_log_post = lambda scope: False


def _no_cached_execution() -> None:
    # Also no direct path: it runs only on a cached operation.
    graph.fast.schema.checked_operation = lambda *args: None  # type: ignore[attr-defined]


def _no_direct() -> None:
    graph.fast.checked.direct_field = lambda *args: None  # type: ignore[attr-defined]


def _no_plans() -> None:
    # The direct path needs a plan, so it goes too; subscription events lose theirs as well.
    _no_direct()
    graph.fast.execution.FastLeafExecutionContext._plan = lambda self, *args: NOT_PLAIN  # type: ignore[method-assign]


def _no_event_answers() -> None:
    graph.fast.execution.plan_events = lambda *args: NOT_PLAIN_EVENTS  # type: ignore[attr-defined]


def _no_loop_writes() -> None:
    init = db.engine.Database.__init__

    def in_threads(self: db.engine.Database, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if self.loop_writes is not None:
            self.loop_writes.close()
            self.loop_writes = None

    db.engine.Database.__init__ = in_threads  # type: ignore[method-assign]


TAKE_OUT: dict[str, Callable[[], None]] = {
    "graphql-lane": _no_graphql_lane,
    "cached-execution": _no_cached_execution,
    "direct": _no_direct,
    "plans": _no_plans,
    "event-answers": _no_event_answers,
    "rest-lane": _no_rest_lane,
    "loop-writes": _no_loop_writes,
}
