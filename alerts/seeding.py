"""The first rules: the predecessor's configuration (ALERT_RULES_FILE) or its defaults, once."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from core.errors import UserInputError
from core.rules import make_rule
from db import alert_rules as queries
from db.alert_rules import Rule
from db.engine import Database
from db.levels import Level, parse_level
from settings import ConfigError

logger = logging.getLogger("lograph.alerts")

# The predecessor's built-in configuration: key = level or service name.
LEGACY_DEFAULTS: dict[str, Any] = {
    "ERROR": {"threshold": 10, "interval_sec": 60},
    "payment-service": {"threshold": 5, "interval_sec": 60},
}


async def seed_once(db: Database, *, rules_file: str | None) -> None:
    """On a database's first start, store the legacy rules; later starts change nothing."""
    if await db.read_primary(queries.seeded_before):
        return
    rules = load_legacy_rules(rules_file)
    source = rules_file or "defaults"
    seeded = await db.write(lambda connection: queries.seed_rules(connection, rules, source=source))
    if seeded:
        logger.info("seeded %d alert rules from %s", len(rules), source)


def load_legacy_rules(rules_file: str | None) -> list[Rule]:
    """Read ALERT_RULES_FILE (or the defaults); a bad file stops the start with one line."""
    if rules_file is None:
        return rules_from_legacy(LEGACY_DEFAULTS)
    try:
        return rules_from_legacy(json.loads(Path(rules_file).read_text()))
    except (OSError, ValueError) as error:
        raise ConfigError(f"lograph: invalid ALERT_RULES_FILE: {error}") from None


def rules_from_legacy(config: Any) -> list[Rule]:
    """`{"ERROR": {"threshold": 10, "interval_sec": 60}, "payment-service": {...}}` as rules."""
    if not isinstance(config, dict):
        raise ValueError("must be a JSON object of {key: {threshold, interval_sec}}")
    return [_legacy_rule(key, entry) for key, entry in config.items()]


def _legacy_rule(key: str, entry: Any) -> Rule:
    """A key that parse_level reads is a level (exact match); any other key is a service."""
    if not isinstance(entry, dict):
        raise ValueError(f"{key!r} must map to {{threshold, interval_sec}}")
    level = _level_or_none(key)
    try:
        return make_rule(
            name=key,
            level=level,
            service=key if level is None else None,
            threshold=_integer(key, entry, "threshold"),
            window_seconds=_integer(key, entry, "interval_sec"),
        )
    except UserInputError as error:
        raise ValueError(f"{key!r}: {error}") from None


def _integer(key: str, entry: dict[str, Any], field: str) -> int:
    value = entry.get(field)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{key!r}.{field} must be an integer")
    return value


def _level_or_none(key: str) -> Level | None:
    try:
        return parse_level(key)
    except ValueError:
        return None
