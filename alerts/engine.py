"""The alert engine: evaluates rules as logs arrive and on a timer, and fires each alert once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from alerts.bus import AlertBus
from alerts.claims import Claims
from alerts.coalesce import Coalescer, guarded
from alerts.evaluation import build_alert, condition_holds
from alerts.formats import RESEND_SECONDS
from alerts.grouped_runs import GroupedRuns
from alerts.known import KnownStates, Touched, touched
from alerts.lifecycle import Transition, advance
from alerts.new_patterns import pattern_alerts
from alerts.notifiers import Notifier
from alerts.rules import Tripwires
from alerts.seeding import seed_once
from alerts.sweep import together
from broker.bus import Bus
from broker.hub import Hub
from broker.redis_link import RedisLink
from broker.tasks import stop_task
from core.metrics import ALERTS_FIRED
from core.new_patterns import NewPattern
from core.outage_log import database_outage
from db import alert_history, alert_rules
from db.alert_history import AlertRecord, AlertState, NewAlert
from db.alert_rules import Rule
from db.engine import Database, DatabaseUnavailable
from db.logs import LogRecord
from settings import Settings

logger = logging.getLogger("lograph.alerts")
# A turn lasts a little less than the interval, so that the process whose tick comes first
# after it keeps sweeping (ticks drift later, never earlier) and a gap stays under two intervals.
SWEEP_TURN_SHARE = 0.9


class AlertEngine:
    """Owns the rule cache, the claims, the fan-out and the notifiers of one process."""

    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        link: RedisLink,
        bus: Bus,
        hub: Hub[AlertRecord],
    ) -> None:
        self.db = db
        self.enabled = settings.enable_alerts
        self._settings = settings
        self._claims = Claims(link)
        self.hub = hub
        self._bus = AlertBus(
            bus=bus,
            hub=hub,
            on_remote_alert=self._remember,
            on_rules_changed=lambda: self._reloads.request(None),
        )
        self._notifier = Notifier(
            webhook_url=settings.alert_webhook_url,
            form=settings.alert_webhook_format,
            external_url=settings.external_url,
            alertmanager_url=settings.alertmanager_url,
        )
        self._pushes_again = settings.alertmanager_url is not None
        self._pushed_at = time.monotonic()
        # Two lanes, so that a write's evaluation never waits behind a whole sweep: what writes
        # (and rule changes) ask for, each rule or the grouped rules due at once; and the
        # periodic sweep, one pass at a time, its rules one after another.
        self._evaluations: Coalescer[str] = Coalescer(self._evaluate)
        self._sweeps: Coalescer[None] = Coalescer(lambda _: self._sweep_pass())
        self._reloads: Coalescer[None] = Coalescer(lambda _: self.reload_rules())
        self._rules: dict[str, Rule] = {}
        self._tripwires = Tripwires(())
        self._known = KnownStates()  # the grouped rules' instances, for writes to skip some
        self._overflowing: set[str] = set()  # grouped rules beyond MAX_GROUPS, warned about
        self._grouped = GroupedRuns(
            db=db,
            rules=lambda: self._rules,
            known=self._known,
            warned=self._overflowing,
            moved=self._moved,
        )
        self._ticker: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Seed on first start, load the rules and start the periodic check."""
        await seed_once(self.db, rules_file=self._settings.alert_rules_file)
        await self.reload_rules()
        if self.enabled:
            self._ticker = asyncio.get_running_loop().create_task(self._check_periodically())

    async def stop(self) -> None:
        await stop_task(self._ticker)
        await self._evaluations.cancel()
        await self._grouped.lane.cancel()
        await self._sweeps.cancel()
        await self._reloads.cancel()
        await self._notifier.close()

    def logs_written(self, logs: Sequence[LogRecord]) -> None:
        """The write hook: queue the rules these logs may trip, and return at once."""
        if not self.enabled:
            return
        try:
            tripped = self._tripwires.tripped(logs, now=datetime.now(UTC))
            # A rule cooling down is looked at by the next write or check after its cooldown.
            warm = [rule for rule in tripped if not self._cooling(rule)]
            for rule, groups in touched(warm, logs, self._known):
                self._request(rule, groups)
        except Exception:
            logger.exception("could not queue alert evaluation")  # never fail the write

    def _request(self, rule: Rule, groups: Touched = None) -> None:
        """Queue the rule's evaluation: grouped rules join the next run over all of them, for
        the `groups` given (None: all)."""
        if not together(rule):
            self._evaluations.request(rule.name)
            return
        self._grouped.request(rule, groups)

    async def patterns_created(self, patterns: list[NewPattern]) -> None:
        """The miner's hook, called once across processes per new pattern: fire the new-pattern
        rules stored by now (read afresh, so a rule just stored elsewhere counts)."""
        if not self.enabled:
            return
        try:
            rules = await self.db.read(alert_rules.list_rules)
            now = datetime.now(UTC)
            for rule in rules:
                if rule.on_new_pattern:
                    for alert in pattern_alerts(rule, patterns, now=now):
                        await self._record(alert, rule=rule)
        except DatabaseUnavailable as error:
            database_outage.error("could not alert on new patterns: %s", error)
        except Exception:
            logger.exception("could not alert on new patterns")  # never stop the miner

    async def rules_changed(self) -> None:
        """After a rule was stored or deleted: reload here, and tell the other processes."""
        await self.reload_rules()
        await self._bus.publish_rules_changed()

    async def reload_rules(self) -> None:
        """Load the rules; a changed rule applies from its next evaluation, which is queued now."""
        rules = await self.db.read_primary(alert_rules.list_rules)
        before, self._rules = self._rules, {rule.name: rule for rule in rules}
        if self._rules != before:
            self._tripwires = Tripwires(rules)
        self._known.keep(name for name, rule in self._rules.items() if before.get(name) == rule)
        for name, rule in self._rules.items():
            old = before.get(name)
            if old is None or old == rule:
                continue
            if old.cooldown_seconds != rule.cooldown_seconds:
                await self._claims.resize(name, cooldown_seconds=rule.cooldown_seconds)
            if self.enabled:
                self._request(rule)

    async def settled(self) -> None:
        """Wait until every queued evaluation has finished (tests and benchmarks)."""
        lanes = (self._evaluations, self._grouped.lane, self._sweeps)
        while any(lane.busy for lane in lanes):
            for lane in lanes:
                await lane.idle()

    async def sweep(self, *, evaluate: bool = True) -> None:
        """Reload the rules and, if `evaluate`, queue a pass over every one: catches what no
        write here announced."""
        try:
            await self.reload_rules()
        except DatabaseUnavailable as error:
            database_outage.error("could not reload alert rules: %s", error)
        except Exception:
            logger.exception("could not reload alert rules")
        if self.enabled and evaluate:
            self._sweeps.request(None)
        elif self.enabled:
            self._known.whole_counts_aged()
        if self._pushes_again and time.monotonic() - self._pushed_at >= RESEND_SECONDS:
            await self.push_firing()

    async def _sweep_pass(self) -> None:
        """Every rule once, in the sweep's own lane: the grouped ones together, then the others
        one at a time, so that the sweep holds one database thread and connection at most and
        a write's evaluation, in its own lane, runs beside it. A rule the write lane evaluates
        meanwhile is safe twice over: claims and instance versions let one evaluation record."""
        rules = list(self._rules.values())
        await self._grouped.run([rule for rule in rules if together(rule)])
        for rule in rules:
            if not together(rule):
                await guarded(self._evaluate, rule.name)

    async def push_firing(self) -> None:
        """Push every FIRING instance to Alertmanager again, as it expects of a sender; every
        process does, and Alertmanager takes repeats of one alert as one."""
        self._pushed_at = time.monotonic()
        try:
            records = await self.db.read_primary(alert_history.firing_now)
        except DatabaseUnavailable as error:
            database_outage.error("could not read the firing alerts: %s", error)
            return
        alerts = [
            (record, self._rules[record.rule]) for record in records if record.rule in self._rules
        ]
        self._notifier.push(alerts)

    async def _check_periodically(self) -> None:
        """Catch logs written by other processes or hosts, as the predecessor's poll did: of
        the processes sharing Redis, one sweeps each interval (a pass counts every process's
        logs, so a second one in the interval would count the same logs again)."""
        interval = self._settings.alert_check_interval_seconds
        while True:
            await asyncio.sleep(interval)
            turn = await self._claims.sweep_turn(seconds=interval * SWEEP_TURN_SHARE)
            await self.sweep(evaluate=turn)

    def _cooling(self, rule: Rule) -> bool:
        """A one-shot rule within its cooldown (lifecycle rules have none)."""
        if rule.lifecycle:
            return False
        return self._claims.cooling(rule.name, cooldown_seconds=rule.cooldown_seconds)

    async def _evaluate(self, name: str) -> None:
        rule = self._rules.get(name)
        if rule is None or rule.on_new_pattern or self._cooling(rule):
            return
        if rule.lifecycle:
            now = datetime.now(UTC)
            for transition in await advance(self.db, rule, now=now, warned=self._overflowing):
                await self._moved(rule, transition)
            return
        await self._fire_once(rule)

    async def _fire_once(self, rule: Rule) -> None:
        """Cheap counts first; only the process that wins the claim builds the alert."""
        name = rule.name
        now = datetime.now(UTC)
        if not await condition_holds(self.db, rule, now=now):
            return
        if not await self._claims.claim(name, cooldown_seconds=rule.cooldown_seconds):
            return
        await self._record(await build_alert(self.db, rule, now=now), rule=rule)

    async def _moved(self, rule: Rule, transition: Transition) -> None:
        """An instance this process moved: receivers hear of it if it fired or ended."""
        reaches = _reaches_receivers(transition)
        await self._deliver(transition.record, rule=rule, to_receivers=reaches)

    async def _record(self, alert: NewAlert, *, rule: Rule) -> None:
        """Store a one-shot firing in history, then tell everyone."""
        record = await self.db.write(
            lambda connection: alert_history.insert_alert(connection, alert)
        )
        await self._deliver(record, rule=rule, to_receivers=True)

    async def _deliver(self, record: AlertRecord, *, rule: Rule, to_receivers: bool) -> None:
        """Subscribers everywhere, the log line, and the webhook when it concerns receivers."""
        await self._bus.publish_alert(record)
        if record.state is AlertState.FIRING:
            ALERTS_FIRED.labels(record.rule).inc()
        self._notifier.notify(record, rule=rule, post=to_receivers)

    def _remember(self, alert: AlertRecord) -> None:
        """Another process fired: skip this one-shot rule here for the rest of its cooldown;
        a lifecycle instance it moved is no longer known here."""
        rule = self._rules.get(alert.rule)
        if rule is not None and rule.lifecycle:
            self._known.changed_elsewhere(alert.rule, alert.fingerprint)
            return
        elapsed = (datetime.now(UTC) - alert.fired_at).total_seconds()
        self._claims.remember(alert.rule, seconds_ago=elapsed)


def _reaches_receivers(transition: Transition) -> bool:
    """Receivers hear of instances that fire and of their end; PENDING stays in lograph."""
    state = transition.record.state
    return state is AlertState.FIRING or transition.was is AlertState.FIRING
