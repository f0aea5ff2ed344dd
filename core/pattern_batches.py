"""One batch of logs mined: what it changed, ready to store (core/pattern_miner.py stores it).

Mining runs in a worker thread and touches only the Drains; what the store needs of the
miner's bookkeeping (which stored patterns the batch evicted) is worked out on the event loop
once the batch before it is stored (see `evicted`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace

from core.mining import Miners
from db.patterns import Assignment, MinedLog, Seen

PatternKey = tuple[str, int]  # (service, Drain cluster id)


@dataclass
class MinedBatch:
    """What mining one batch changed, ready to store."""

    assignments: list[Assignment] = field(default_factory=list)
    seen: dict[PatternKey, Seen] = field(default_factory=dict)
    evicted: list[int] = field(default_factory=list)
    states: dict[str, bytes] = field(default_factory=dict)
    over_caps: int = 0
    dropped: int = 0


def mine_batch(miners: Miners, rows: list[MinedLog]) -> MinedBatch:
    """Cluster the logs into their services' miners; their templates and the miners' states
    as the batch left them (the batch's `evicted` is filled later, see `evicted`)."""
    batch = MinedBatch()
    fits, mine, seen = miners.fits, miners.mine, batch.seen
    for log in rows:
        if not fits(log.message):
            batch.over_caps += 1
            continue
        key = (log.service, mine(log.service, log.message))
        batch.assignments.append(Assignment(log.id, key, log.timestamp, log.level))
        before = seen.get(key)
        if before is None:
            seen[key] = Seen(log.service, key[1], "", log.timestamp, log.timestamp)
        elif not before.first <= log.timestamp <= before.last:
            first, last = min(before.first, log.timestamp), max(before.last, log.timestamp)
            seen[key] = Seen(log.service, key[1], "", first, last)
    _settle(miners, batch)
    return batch


def _settle(miners: Miners, batch: MinedBatch) -> None:
    """Templates as the batch left them; the lines of what the batch evicted, dropped."""
    for key, seen in list(batch.seen.items()):
        template = miners.template(*key)
        if template is None:
            del batch.seen[key]
        else:
            batch.seen[key] = replace(seen, template=template)
    kept = [one for one in batch.assignments if one.key in batch.seen]
    batch.dropped = len(batch.assignments) - len(kept)
    batch.assignments = kept
    services = {service for service, _ in batch.seen}
    batch.states = {service: miners.dump(service) for service in services}


def evicted(miners: Miners, ids: Mapping[PatternKey, int], services: Collection[str]) -> list[int]:
    """The stored patterns of these services their miners no longer hold (called while no
    batch is being mined: it reads the Drains)."""
    return [
        pattern_id
        for (service, cluster_id), pattern_id in ids.items()
        if service in services and miners.template(service, cluster_id) is None
    ]
