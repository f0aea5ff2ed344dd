"""Who is calling and what they may do: API keys, their scopes, and the refusals.

Every surface asks the same two questions through here: `authenticate` (who is this?) and
`require` (may they?). Keys are checked against an in-process cache, so a check costs
microseconds; a revocation reaches every process at once through the broker, and at the latest
after KEY_CACHE_SECONDS where Redis is away.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.errors import ResolverError

KEY_PREFIX = "lg_"
KEY_CACHE_SECONDS = 10.0
KEY_CACHE_SIZE = 10_000
MAX_KEY_LENGTH = 200
ADMIN_KEY_NAME = "ADMIN_API_KEY"


class Scope(StrEnum):
    INGEST = "INGEST"
    READ = "READ"
    ADMIN = "ADMIN"


EVERY_SCOPE = frozenset(Scope)


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated (or, where allowed, anonymous) client."""

    key_name: str | None  # None: anonymous, allowed only while AUTH_REQUIRED is false
    scopes: frozenset[Scope]
    rate_limit_per_second: float | None
    address: str

    @property
    def identity(self) -> str:
        """What rate limits count against: the key, else the client's address."""
        return f"key:{self.key_name}" if self.key_name is not None else f"addr:{self.address}"

    @property
    def label(self) -> str:
        """How audit lines name the caller."""
        return self.key_name if self.key_name is not None else f"anonymous@{self.address}"


class Unauthenticated(ResolverError):
    code = "UNAUTHENTICATED"


class Forbidden(ResolverError):
    code = "FORBIDDEN"


class TooMany(ResolverError):
    """A per-key cap on things held at once (sockets, subscriptions)."""

    code = "RATE_LIMITED"


class RateLimited(ResolverError):
    code = "RATE_LIMITED"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limit exceeded; retry after {retry_after} s")
        self.retry_after = retry_after

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, "retryAfter": self.retry_after}


def require(caller: Caller, scope: Scope) -> None:
    """Refuse unless the caller holds the scope."""
    if scope not in caller.scopes:
        raise Forbidden(f"this API key lacks the {scope.value.lower()} scope")


def new_key() -> str:
    """A fresh key: 256 random bits, prefixed so leaked keys are easy to spot and grep for."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """Keys are random, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(key.encode()).hexdigest()


def credential_from_headers(headers: Any) -> str | None:
    """`Authorization: Bearer <key>` or `X-API-Key: <key>`."""
    authorization: str | None = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthenticated("Authorization must be 'Bearer <API key>'")
        return value.strip()
    key: str | None = headers.get("x-api-key")
    return key.strip() if key else None


def credential_from_payload(payload: Any) -> str | None:
    """A WebSocket `connection_init` payload: `{"authorization": "Bearer <key>"}` or
    `{"apiKey": "<key>"}`."""
    if not isinstance(payload, dict):
        return None
    lowered = {str(name).lower(): value for name, value in payload.items()}
    headers = {
        "authorization": lowered.get("authorization"),
        "x-api-key": lowered.get("apikey") or lowered.get("x-api-key"),
    }
    if not all(value is None or isinstance(value, str) for value in headers.values()):
        raise Unauthenticated("the API key must be a string")
    return credential_from_headers(headers)


def is_admin_key(key: str, admin_key: str | None) -> bool:
    return admin_key is not None and hmac.compare_digest(key.encode(), admin_key.encode())


class LruTtl:
    """A bounded cache whose entries expire; unknown keys are cached too, so a flood of random
    keys costs no database work, and its size never grows past the bound."""

    def __init__(self, *, size: int = KEY_CACHE_SIZE, seconds: float = KEY_CACHE_SECONDS) -> None:
        self._size = size
        self._seconds = seconds
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def get(self, key: str, now: float) -> tuple[bool, Any]:
        entry = self._entries.get(key)
        if entry is None or entry[0] < now:
            return False, None
        self._entries.move_to_end(key)
        return True, entry[1]

    def put(self, key: str, value: Any, now: float) -> None:
        self._entries[key] = (now + self._seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def evict(self, predicate: Any) -> None:
        for key in [key for key, (_, value) in self._entries.items() if predicate(value)]:
            del self._entries[key]


class PerCallerCap:
    """At most `limit` of something (sockets, subscriptions) held at once per key or address."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._held: dict[str, int] = {}

    def acquire(self, caller: Caller) -> bool:
        held = self._held.get(caller.identity, 0)
        if held >= self.limit:
            return False
        self._held[caller.identity] = held + 1
        return True

    def release(self, caller: Caller) -> None:
        held = self._held.get(caller.identity, 0) - 1
        if held > 0:
            self._held[caller.identity] = held
        else:
            self._held.pop(caller.identity, None)
