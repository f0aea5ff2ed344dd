"""The runs that evaluate the grouped rules together (alerts/sweep.py) when writes or rule
changes ask: one in flight and one queued, every request meanwhile merged into the queued one
with the groups it asks for, so that a burst of writes costs one run over the groups it wrote."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

from alerts.coalesce import Coalescer
from alerts.known import KnownStates, Touched
from alerts.lifecycle import Transition
from alerts.sweep import sweep_together
from core.outage_log import database_outage
from db.alert_rules import Rule
from db.engine import Database, DatabaseUnavailable

logger = logging.getLogger("lograph.alerts")

Moved = Callable[[Rule, Transition], Awaitable[None]]


class GroupedRuns:
    """The grouped rules due, each with its groups to evaluate (None: all), and their runs."""

    def __init__(
        self,
        *,
        db: Database,
        rules: Callable[[], Mapping[str, Rule]],
        known: KnownStates,
        warned: set[str],
        moved: Moved,
    ) -> None:
        self._db = db
        self._rules = rules  # the rules as they are when a run starts
        self._known = known
        self._warned = warned  # grouped rules beyond MAX_GROUPS, warned about
        self._moved = moved
        self._due: dict[str, Touched] = {}
        self.lane: Coalescer[None] = Coalescer(lambda _: self._due_now())

    def request(self, rule: Rule, groups: Touched) -> None:
        """Evaluate the rule in the next run, in these groups besides any asked before."""
        before = self._due.get(rule.name, frozenset())
        self._due[rule.name] = None if before is None or groups is None else before | groups
        self.lane.request(None)

    async def _due_now(self) -> None:
        due, self._due = self._due, {}
        rules = self._rules()
        await self.run([rules[name] for name in sorted(due) if name in rules], touched=due)

    async def run(self, rules: list[Rule], *, touched: Mapping[str, Touched] | None = None) -> None:
        """Evaluate the rules (each `together`) now, of each only the groups `touched` gives
        it, and hand on each change recorded; a failure is logged, never raised."""
        if not rules:
            return
        now = datetime.now(UTC)
        try:
            changes = await sweep_together(
                self._db, rules, now=now, warned=self._warned, known=self._known, touched=touched
            )
        except DatabaseUnavailable as error:
            database_outage.error("could not sweep the grouped alert rules: %s", error)
            return
        except Exception:
            logger.exception("could not sweep the grouped alert rules")
            return
        for rule, transition in changes:
            await self._moved(rule, transition)
