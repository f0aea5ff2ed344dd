"""The moment a pattern is first mined, as the miner announces it once it is stored (for the
new-pattern alert rules, which live in alerts/ and hang on this hook)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from db.logs import LogRecord
from db.patterns import Assignment

PatternKey = tuple[str, int]  # (service, Drain cluster id)


@dataclass(frozen=True, slots=True)
class NewPattern:
    """A pattern stored for the first time, with the logs of the batch that brought it in."""

    id: int
    service: str
    template: str
    logs: tuple[LogRecord, ...]  # oldest first


OnNewPatterns = Callable[[list[NewPattern]], Awaitable[None]]


def new_patterns(
    created: Mapping[PatternKey, int],
    *,
    templates: Mapping[PatternKey, str],
    assignments: Sequence[Assignment],
    logs: Sequence[LogRecord],
) -> list[NewPattern]:
    """The patterns one stored batch created, each with its logs of that batch."""
    by_id = {log.id: log for log in logs}
    mined: dict[PatternKey, list[LogRecord]] = {key: [] for key in created}
    for assignment in assignments:
        if assignment.key in mined:
            mined[assignment.key].append(by_id[assignment.log_id])
    return [
        NewPattern(pattern_id, key[0], templates[key], tuple(mined[key]))
        for key, pattern_id in created.items()
    ]
