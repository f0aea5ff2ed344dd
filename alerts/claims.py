"""At most one firing per rule per cooldown: a Redis claim across processes, else per process."""

from __future__ import annotations

import time
import uuid

from broker.redis_link import REDIS_ERRORS, RedisLink

KEY_PREFIX = "lograph:alert:"
# Redis expiries are whole seconds and at least one; a cooldown of 0 still dedupes for 1 s.
MIN_CLAIM_SECONDS = 1


def claim_seconds(cooldown_seconds: int) -> int:
    """How long a firing blocks the next one of its rule."""
    return max(cooldown_seconds, MIN_CLAIM_SECONDS)


class Claims:
    """Remembers cooldowns locally, and asks Redis (`SET NX EX`) whether this process may fire."""

    def __init__(self, link: RedisLink) -> None:
        self._link = link
        self._until: dict[str, float] = {}
        self.owner = uuid.uuid4().hex

    def cooling(self, rule: str) -> bool:
        """True while a firing seen by this process still blocks the rule (skips the query)."""
        return self._until.get(rule, 0.0) > time.monotonic()

    def remember(self, rule: str, *, seconds: float) -> None:
        """Note a firing made elsewhere, so this process stops evaluating the rule meanwhile."""
        until = time.monotonic() + seconds
        self._until[rule] = max(self._until.get(rule, 0.0), until)

    async def claim(self, rule: str, *, cooldown_seconds: int) -> bool:
        """Whether this process fires the rule now; True starts its cooldown everywhere."""
        if self.cooling(rule):
            return False
        seconds = claim_seconds(cooldown_seconds)
        if not await self._claim_shared(rule, seconds=seconds):
            return False
        self.remember(rule, seconds=seconds)
        return True

    async def _claim_shared(self, rule: str, *, seconds: int) -> bool:
        client = self._link.usable()
        if client is None:
            return True
        try:
            won = await client.set(KEY_PREFIX + rule, self.owner, nx=True, ex=seconds)
        except REDIS_ERRORS as error:
            self._link.mark_down(error)
            return True
        self._link.mark_up()
        return bool(won)
