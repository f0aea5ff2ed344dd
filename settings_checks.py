"""Checks on what operators write into settings: origin lists, URLs, and `.env` keys or
environment names that lograph would silently ignore (a typo, or another service's name)."""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dotenv import dotenv_values

REDIS_SCHEMES = ("redis", "rediss", "unix")
WEBHOOK_SCHEMES = ("http", "https")
POSTGRES_SCHEMES = ("postgres", "postgresql", "postgresql+psycopg2")
# Names older deployments and neighbouring services use for what lograph reads under another.
PREDECESSOR_NAMES = {
    "ALERT_ENABLED": "ENABLE_ALERTS",
    "ALERTS_ENABLED": "ENABLE_ALERTS",
    "ENABLE_ALERT": "ENABLE_ALERTS",
    "ALERTING_ENABLED": "ENABLE_ALERTS",
    "DB_URL": "DATABASE_URL",
    "DATABASE_URI": "DATABASE_URL",
    "SQLALCHEMY_DATABASE_URL": "DATABASE_URL",
    "SQLALCHEMY_DATABASE_URI": "DATABASE_URL",
    "POSTGRES_URL": "DATABASE_URL",
    "REDIS_URI": "REDIS_URL",
    "REDIS_HOST": "REDIS_URL",
    "CACHE_URL": "REDIS_URL",
    "CORS_ORIGIN": "CORS_ORIGINS",
    "CORS_ALLOWED_ORIGINS": "CORS_ORIGINS",
    "ALLOWED_ORIGINS": "CORS_ORIGINS",
    "BACKEND_CORS_ORIGINS": "CORS_ORIGINS",
    "ALERT_CONFIG": "ALERT_RULES_FILE",
    "ALERT_RULES": "ALERT_RULES_FILE",
    "ALERTS_CONFIG": "ALERT_RULES_FILE",
    "WEBHOOK_URL": "ALERT_WEBHOOK_URL",
    "ALERT_WEBHOOK": "ALERT_WEBHOOK_URL",
    "ALERT_INTERVAL": "ALERT_CHECK_INTERVAL_SECONDS",
    "ALERT_CHECK_INTERVAL": "ALERT_CHECK_INTERVAL_SECONDS",
}
SIMILARITY = 0.8  # difflib ratio: catches a dropped, doubled or swapped letter, not other words


def parse_origins(value: Any) -> Any:
    """CORS_ORIGINS as a comma-separated list or a JSON list; no trailing slashes (browsers
    never send one, so such an entry would match nothing)."""
    if not isinstance(value, str):
        return value
    items = split_list(value, holding="origins")
    return [check_origin(item.rstrip("/")) for item in items]


def split_list(value: str, *, holding: str) -> list[str]:
    """A setting's list, written comma-separated or as a JSON list of strings; blanks dropped."""
    text = value.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"not a valid JSON list ({error.msg})") from None
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise ValueError(f"a JSON list of {holding} must hold only strings")
    else:
        items = text.split(",")
    return [item.strip() for item in items if item.strip()]


def check_origin(entry: str) -> str:
    """An origin as a browser sends it (`scheme://host[:port]`, nothing after), or `*` for any:
    any other entry would match no browser at all, so it stops start-up instead."""
    if entry == "*" or _is_origin(entry):
        return entry
    raise ValueError(f"{entry!r} is not an origin (scheme://host[:port])")


def _is_origin(entry: str) -> bool:
    try:
        parts = urlsplit(entry)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # a port that is no number, or out of range
        return False
    extra = parts.path or parts.query or parts.fragment or parts.username is not None
    return port_ok and bool(parts.scheme and parts.hostname) and not extra and " " not in entry


def parse_replica_urls(value: Any) -> Any:
    """DATABASE_REPLICA_URLS as a comma-separated list or a JSON list of PostgreSQL URLs."""
    if not isinstance(value, str):
        return value
    return [check_replica_url(entry) for entry in split_list(value, holding="URLs")]


def check_replica_url(entry: str) -> str:
    """A PostgreSQL URL with a host, pinned to psycopg2 as DATABASE_URL is; a bad entry stops
    start-up, named without its password."""
    try:
        parts = urlsplit(entry)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # a port that is no number, or out of range
        parts, port_ok = None, False
    if parts is None or not port_ok or parts.scheme not in POSTGRES_SCHEMES or not parts.hostname:
        shown = entry if parts is None else without_password(entry)
        raise ValueError(f"{shown!r} is not a PostgreSQL URL (postgresql://user@host:port/db)")
    return "postgresql+psycopg2://" + entry.split("://", 1)[1]


def without_password(url: str) -> str:
    """The URL as operators may see it: any password replaced by `***`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, host = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{host}"))


def check_url_scheme(value: str | None, schemes: tuple[str, ...]) -> str | None:
    """Refuse at start-up a URL that the client library would only refuse later, deep inside."""
    if value is None:
        return None
    parsed = urlsplit(value)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        names = [f"{scheme}://" for scheme in schemes]
        raise ValueError(f"must be a URL starting with {', '.join(names[:-1])} or {names[-1]}")
    return value


def intended_setting(key: str, known: Iterable[str]) -> str | None:
    """The setting an unknown key most likely meant, or None when it looks unrelated."""
    return _closest(key.strip().upper(), tuple(sorted(known)))


@functools.lru_cache(maxsize=4096)
def _closest(name: str, known: tuple[str, ...]) -> str | None:
    """Cached: every app start asks about the same environment names, and difflib's scores for
    a usual environment cost more than the rest of the start-up summary."""
    if name in known:
        return None
    if name in PREDECESSOR_NAMES and PREDECESSOR_NAMES[name] in known:
        return PREDECESSOR_NAMES[name]
    close = difflib.get_close_matches(name, known, n=1, cutoff=SIMILARITY)
    return close[0] if close else None


def ignored_keys(env_file: Path, known: Iterable[str]) -> list[str]:
    """One warning per `.env` key that lograph ignores but probably should have read."""
    if not env_file.is_file():
        return []
    return _unread(dotenv_values(env_file), known, source=str(env_file))


def ignored_environment(environ: Mapping[str, str], known: Iterable[str]) -> list[str]:
    """The same for the environment, where a misspelt name is as silent as in `.env`."""
    return _unread(environ, known, source="the environment")


def _unread(keys: Iterable[str], known: Iterable[str], *, source: str) -> list[str]:
    known = [name.upper() for name in known]
    warnings = []
    for key in keys:
        meant = intended_setting(key, known)
        if meant is not None:
            warnings.append(
                f"lograph: {source} sets {key}, which lograph does not read: use {meant}"
            )
    return warnings


def check_masks(masks: dict[str, str]) -> dict[str, str]:
    """Pattern masks: upper-case names (they appear as `<NAME>` in templates) and regular
    expressions that compile."""
    for name, pattern in masks.items():
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
            raise ValueError(f"mask name {name!r} must be upper case letters, digits or _")
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"mask {name}: {error}") from None
    return masks
