"""The API keys of this process: checked from a cache, created and revoked through the database,
revocations announced on the broker so every process forgets the key at once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import NoReturn

from broker.bus import Bus
from broker.redis_link import RedisLink
from broker.tasks import stop_task
from core import audit
from core.access import (
    ADMIN_KEY_NAME,
    EVERY_SCOPE,
    MAX_KEY_LENGTH,
    Caller,
    LruTtl,
    Scope,
    Unauthenticated,
    hash_key,
    is_admin_key,
    new_key,
)
from core.errors import UserInputError
from core.ratelimit import RateLimiter
from core.validation import check_text
from db import api_keys
from db.api_keys import ApiKeyRecord, KeyNameTaken
from db.engine import Database
from db.models import MAX_KEY_NAME_LENGTH

REVOCATIONS_TOPIC = "api-key-revocations"
LAST_USED_FLUSH_SECONDS = 30.0
MAX_RATE_LIMIT = 1_000_000.0


class KeyRing:
    """Answers "whose key is this?" in microseconds; keeps last-used times within a flush."""

    def __init__(
        self,
        *,
        db: Database,
        bus: Bus,
        limiter: RateLimiter,
        auth_required: bool,
        admin_key: str | None,
    ) -> None:
        self._db = db
        self._bus = bus
        self._limiter = limiter
        self.auth_required = auth_required
        self._admin_key = admin_key
        self._cache = LruTtl()
        self._used: set[str] = set()
        self._flusher: asyncio.Task[None] | None = None
        bus.on(REVOCATIONS_TOPIC, lambda payload: self._forget(payload.decode()))

    @classmethod
    def alone(cls, db: Database) -> KeyRing:
        """A ring for a process that serves nothing (the shell command): it joins no fan-out
        and limits nothing."""
        link = RedisLink(None)
        limiter = RateLimiter(link=link, default_per_second=0, failures_per_second=0)
        return cls(db=db, bus=Bus(link), limiter=limiter, auth_required=True, admin_key=None)

    def start(self) -> None:
        self._flusher = asyncio.get_running_loop().create_task(self._flush_periodically())

    async def stop(self) -> None:
        await stop_task(self._flusher)
        await self._flush_last_used()

    async def authenticate(self, credential: str | None, *, address: str) -> Caller:
        """The caller a request speaks for; Unauthenticated for a missing (when required),
        unknown or revoked key. A key given is always checked, even when keys are optional.
        Failures count against the address's budget: once it is spent, RateLimited, and a key
        not in the cache is refused before it is looked up."""
        if credential is None:
            if self.auth_required:
                await self._refuse(address, "an API key is required")
            return Caller(None, EVERY_SCOPE, None, address)
        if len(credential) > MAX_KEY_LENGTH:
            await self._refuse(address, "unknown or revoked API key")
        if is_admin_key(credential, self._admin_key):
            return Caller(ADMIN_KEY_NAME, EVERY_SCOPE, None, address)
        digest = hash_key(credential)
        now = time.monotonic()
        found, record = self._cache.get(digest, now)
        if not found:
            await self._limiter.check_failures(address)
            record = await self._look_up(digest, now)
        if record is None:
            await self._refuse(address, "unknown or revoked API key")
        self._used.add(record.name)
        scopes = frozenset(Scope(scope) for scope in record.scopes)
        return Caller(record.name, scopes, record.rate_limit_per_second, address)

    async def revoked(self, credential: str) -> bool:
        """Whether a key that authenticated earlier (an open socket's) is no longer valid: at
        once after a revocation in any process reaching this one through the broker, else
        once the cache forgets the key (KEY_CACHE_SECONDS)."""
        if is_admin_key(credential, self._admin_key):
            return False
        digest = hash_key(credential)
        now = time.monotonic()
        found, record = self._cache.get(digest, now)
        if not found:
            record = await self._look_up(digest, now)
        return record is None

    async def _look_up(self, digest: str, now: float) -> ApiKeyRecord | None:
        record = await self._db.read(lambda connection: api_keys.find_by_hash(connection, digest))
        self._cache.put(digest, record, now)
        return record

    async def _refuse(self, address: str, reason: str) -> NoReturn:
        await self._limiter.count_failure(address)
        raise Unauthenticated(reason)

    async def create(
        self,
        *,
        caller: Caller,
        name: str,
        scopes: Sequence[Scope],
        rate_limit_per_second: float | None,
    ) -> tuple[str, ApiKeyRecord]:
        """A new key, returned once with its record; only its hash is stored."""
        check_text("name", name, max_bytes=None)
        if len(name) > MAX_KEY_NAME_LENGTH:
            raise UserInputError("name", f"must be at most {MAX_KEY_NAME_LENGTH} characters")
        if name == ADMIN_KEY_NAME:
            raise UserInputError("name", f"{ADMIN_KEY_NAME} is the bootstrap key's name")
        if not scopes:
            raise UserInputError("scopes", "give at least one scope")
        if rate_limit_per_second is not None and not 0 < rate_limit_per_second <= MAX_RATE_LIMIT:
            reason = f"must be more than 0 and at most {MAX_RATE_LIMIT:,.0f}"
            raise UserInputError("rateLimitPerSecond", reason)
        key = new_key()
        try:
            record = await self._db.write(
                lambda connection: api_keys.insert_key(
                    connection,
                    name=name,
                    key_hash=hash_key(key),
                    scopes=frozenset(scope.value for scope in scopes),
                    rate_limit_per_second=rate_limit_per_second,
                    created_at=datetime.now(UTC),
                )
            )
        except KeyNameTaken:
            reason = "a key of that name exists (names are never reused)"
            raise UserInputError("name", reason) from None
        audit.record(caller, "create api key", f"{name!r} {sorted(record.scopes)}")
        return key, record

    async def revoke(self, *, caller: Caller, name: str) -> ApiKeyRecord | None:
        """Revoke the key here and, through the broker, in every process at once."""
        check_text("name", name, max_bytes=None)
        record = await self._db.write(
            lambda connection: api_keys.revoke_key(connection, name, at=datetime.now(UTC))
        )
        if record is None:
            return None
        self._forget(name)
        await self._bus.publish(REVOCATIONS_TOPIC, name.encode())
        audit.record(caller, "revoke api key", repr(name))
        return record

    async def locked_out(self) -> bool:
        """True when every caller would be refused for good: keys are required, and there is
        neither a bootstrap key nor a stored one to create others with."""
        if not self.auth_required or self._admin_key is not None:
            return False
        return not await self._db.read(api_keys.any_live_key)

    async def list(self) -> list[ApiKeyRecord]:
        await self._flush_last_used()
        return await self._db.read(api_keys.list_keys)

    def _forget(self, name: str) -> None:
        self._cache.evict(lambda record: record is not None and record.name == name)

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(LAST_USED_FLUSH_SECONDS)
            try:
                await self._flush_last_used()
            except Exception:
                logging.getLogger("lograph.keys").exception("could not record key use")

    async def _flush_last_used(self) -> None:
        names, self._used = sorted(self._used), set()
        if names:
            at = datetime.now(UTC)
            await self._db.write(lambda connection: api_keys.mark_used(connection, names, at=at))
