"""Drain (the `drain3` package) behind lograph's masks and caps: one bounded miner per service.

A line is masked first (numbers, ids, addresses... become `<NUM>`, `<UUID>`...), then Drain
groups it with lines of the same shape and generalises the words that differ into `<*>`.
Each service has a Drain of its own with at most `max_patterns` clusters: a new cluster past
the cap evicts the least recently matched one (Drain's LRU). Lines over `max_chars`
characters or `max_tokens` words are not mined at all.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jsonpickle
from drain3.drain import Drain, LogClusterCache
from drain3.masking import LogMasker, MaskingInstruction

WILDCARD = "<*>"
SIMILARITY = 0.4  # drain3's default: share of a cluster's words a line must match to join it
DEPTH = 4
MAX_CHILDREN = 100


@dataclass(frozen=True, slots=True)
class MinerLimits:
    """The caps that keep one service's miner bounded whatever its lines look like."""

    max_patterns: int = 1000
    max_chars: int = 2000
    max_tokens: int = 100


def masker(masks: Mapping[str, str]) -> LogMasker:
    """drain3's masker applying `masks` in order, each match becoming `<NAME>`."""
    return LogMasker([MaskingInstruction(regex, name) for name, regex in masks.items()], "<", ">")


def new_drain(limits: MinerLimits) -> Drain:
    return Drain(
        sim_th=SIMILARITY,
        depth=DEPTH,
        max_children=MAX_CHILDREN,
        max_clusters=limits.max_patterns,
        param_str=WILDCARD,
    )


def dump_drain(drain: Drain) -> bytes:
    """A service's miner as stored: pickled and compressed (a tenth of the CPU drain3's own
    jsonpickle snapshot costs, and a batch stores the miner of every service it touched).
    Only the miner reads it back, from its own database, which it trusts as it trusts the
    rest of what it stored."""
    return zlib.compress(pickle.dumps(drain, protocol=pickle.HIGHEST_PROTOCOL))


def load_drain(state: bytes, limits: MinerLimits) -> Drain:
    """A stored miner back (pickled, or drain3's jsonpickle snapshot as stored before), under
    today's cap (a changed cap keeps the clusters it can, forgetting which were used last)."""
    stored = zlib.decompress(state)
    drain: Drain
    if stored.startswith(b"\x80"):  # pickle's protocol marker; JSON starts with "{"
        drain = pickle.loads(stored)  # written by this miner (see dump_drain)
    else:
        drain = jsonpickle.loads(stored.decode(), keys=True)
    if drain.max_clusters != limits.max_patterns:
        clusters = LogClusterCache(maxsize=limits.max_patterns)
        clusters.update(drain.id_to_cluster.items())
        drain.id_to_cluster = clusters
        drain.max_clusters = limits.max_patterns
    return drain


class Miners:
    """Every service's Drain; what one batch changed is read back with `templates`/`alive`."""

    def __init__(self, *, limits: MinerLimits, masks: Mapping[str, str]) -> None:
        self.limits = limits
        self._masker = masker(masks)
        self._drains: dict[str, Drain] = {}

    def restore(self, services: Collection[str], states: Iterable[tuple[str, bytes]]) -> None:
        """Replace the services' miners by the stored ones (none: a service never mined)."""
        for service in services:
            self._drains.pop(service, None)
        self._drains.update((service, load_drain(state, self.limits)) for service, state in states)

    def fits(self, message: str) -> bool:
        """Whether a line is within the caps, so that mining it costs a bounded time."""
        if len(message) > self.limits.max_chars:
            return False
        return message.count(" ") < self.limits.max_tokens

    def mine(self, service: str, message: str) -> int:
        """Add a line (one that `fits`) to its service's miner; the cluster it went to."""
        drain = self._drains.get(service)
        if drain is None:
            drain = self._drains[service] = new_drain(self.limits)
        cluster, _change = drain.add_log_message(self._masker.mask(message))
        cluster_id: int = cluster.cluster_id
        return cluster_id

    def template(self, service: str, cluster_id: int) -> str | None:
        """The cluster's template now; None once it was evicted."""
        cluster: Any = self._drains[service].id_to_cluster.get(cluster_id)
        return None if cluster is None else str(cluster.get_template())

    def held(self) -> int:
        """Patterns held in memory, every service's together."""
        return sum(len(drain.clusters) for drain in self._drains.values())

    def dump(self, service: str) -> bytes:
        return dump_drain(self._drains[service])
