"""At most one firing per rule per cooldown: a Redis claim across processes, else per process;
and likewise one periodic sweep per interval.

A cooldown is measured from the firing with the rule's cooldown as it is *now*: changing a
rule's cooldown moves the end of a running one, here and in Redis (`resize`).
"""

from __future__ import annotations

import time
import uuid

from broker.redis_link import REDIS_ERRORS, RedisLink

KEY_PREFIX = "lograph:alert:"
SWEEP_KEY = "lograph:alert-sweep"  # not under KEY_PREFIX: no rule's name can meet it
# Redis expiries are whole seconds and at least one; a cooldown of 0 still dedupes for 1 s.
MIN_CLAIM_SECONDS = 1

# A claim's value is "<owner>:<claim seconds>", so any process can move its expiry by the
# difference when the cooldown changes; atomic, and a second run changes nothing. Values in
# another form (the predecessor's, say) are left alone to expire as they were set.
_RESIZE_SCRIPT = """
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
local owner, old = string.match(value, '^(.*):(%d+)$')
if not old then return 0 end
local new = tonumber(ARGV[1])
old = tonumber(old)
if new == old then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then return 0 end
local left = ttl + (new - old) * 1000
if left <= 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], owner .. ':' .. new, 'PX', left)
end
return 1
"""


def claim_seconds(cooldown_seconds: int) -> int:
    """How long a firing blocks the next one of its rule."""
    return max(cooldown_seconds, MIN_CLAIM_SECONDS)


class Claims:
    """Remembers firings locally, and asks Redis (`SET NX EX`) whether this process may fire."""

    def __init__(self, link: RedisLink) -> None:
        self._link = link
        self._fired_at: dict[str, float] = {}  # monotonic time of the last firing seen
        self.owner = uuid.uuid4().hex

    def cooling(self, rule: str, *, cooldown_seconds: int) -> bool:
        """True while a firing seen by this process still blocks the rule (skips the query)."""
        fired_at = self._fired_at.get(rule)
        if fired_at is None:
            return False
        return fired_at + claim_seconds(cooldown_seconds) > time.monotonic()

    def remember(self, rule: str, *, seconds_ago: float) -> None:
        """Note a firing made elsewhere, so this process stops evaluating the rule meanwhile."""
        fired_at = time.monotonic() - max(seconds_ago, 0.0)
        self._fired_at[rule] = max(self._fired_at.get(rule, fired_at), fired_at)

    async def claim(self, rule: str, *, cooldown_seconds: int) -> bool:
        """Whether this process fires the rule now; True starts its cooldown everywhere."""
        if self.cooling(rule, cooldown_seconds=cooldown_seconds):
            return False
        seconds = claim_seconds(cooldown_seconds)
        value = f"{self.owner}:{seconds}"
        if not await self._claim_shared(KEY_PREFIX + rule, value, milliseconds=seconds * 1000):
            return False
        self._fired_at[rule] = time.monotonic()
        return True

    async def sweep_turn(self, *, seconds: float) -> bool:
        """Whether this process runs the periodic sweep now: one process per `seconds` across
        those sharing Redis (each pass counts every process's logs), each one without it."""
        milliseconds = max(int(seconds * 1000), 1)
        return await self._claim_shared(SWEEP_KEY, self.owner, milliseconds=milliseconds)

    async def resize(self, rule: str, *, cooldown_seconds: int) -> None:
        """The rule's cooldown changed: move the end of its running claim in Redis to match."""
        client = self._link.usable()
        if client is None:
            return
        seconds = claim_seconds(cooldown_seconds)
        try:
            await client.eval(_RESIZE_SCRIPT, 1, KEY_PREFIX + rule, seconds)
        except REDIS_ERRORS as error:
            self._link.mark_down(error)

    async def _claim_shared(self, key: str, value: str, *, milliseconds: int) -> bool:
        """Whether `key` was free and is now ours for `milliseconds`; True without Redis."""
        client = self._link.usable()
        if client is None:
            return True
        try:
            won = await client.set(key, value, nx=True, px=milliseconds)
        except REDIS_ERRORS as error:
            self._link.mark_down(error)
            return True
        self._link.mark_up()
        return bool(won)
