"""The grouped rules issue 24's performance targets speak of: lifecycle rules with
`groupBy: ["service"]`, shared by bench.alerts (their ingest cost) and bench.alert_sweep (the
periodic sweep over them at scale)."""

from __future__ import annotations

from typing import Any

from core.rules import make_rule
from db.alert_rules import Rule
from db.levels import Level

WINDOWS = (60, 300, 900, 3600)
# What each rule selects: severities, the bulk of the logs, and a phrase.
MATCHES: tuple[dict[str, str], ...] = (
    {"minLevel": "ERROR"},
    {"minLevel": "WARN"},
    {"level": "INFO"},
    {"messageContains": "retrying"},
    {"level": "DEBUG"},
)


def grouped_rules(count: int = 100) -> list[dict[str, Any]]:
    """`count` rules as AlertRuleInput: 20 kinds (window, match), spread thresholds."""
    return [
        {
            "name": f"grouped-{index}",
            "lifecycle": True,
            "groupBy": ["service"],
            "windowSeconds": WINDOWS[index % len(WINDOWS)],
            "threshold": 5 + (index % 7) * 10,
            **MATCHES[index % len(MATCHES)],
        }
        for index in range(count)
    ]


def as_rule(fields: dict[str, Any]) -> Rule:
    """One of `grouped_rules` as the engine keeps it (for a bench that stores rules directly)."""
    levels = {key: Level(fields[key]) for key in ("level", "minLevel") if key in fields}
    return make_rule(
        name=fields["name"],
        lifecycle=fields["lifecycle"],
        group_by=fields["groupBy"],
        window_seconds=fields["windowSeconds"],
        threshold=fields["threshold"],
        level=levels.get("level"),
        min_level=levels.get("minLevel"),
        message_contains=fields.get("messageContains"),
    )
