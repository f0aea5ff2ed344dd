"""Idempotency-Key: a retry within the window gets the first answer and writes nothing again,
whichever process it reaches (the claims live in the database every process shares).

A claim is a lease its holder renews while it works: when the holder dies (or stalls, or loses
the database) the claim lapses within the lease, and a retry runs the request again; the late
holder then can no longer answer or release the retry's claim. A retry whose request differs
from the first (its body, query or content headers) is refused with 422, as the IETF
Idempotency-Key draft answers a reused key.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import anyio
from fastapi import Request, Response

from core.access import Caller
from core.runtime import Runtime
from db import ingest_requests as claims
from db.engine import DatabaseUnavailable
from ingest import limits
from ingest.errors import IngestError, bad_request

HEADER = "idempotency-key"
_WINDOW = timedelta(seconds=limits.IDEMPOTENCY_WINDOW_SECONDS)
_PURGE_ONE_IN = 100  # requests; expired answers are swept now and then, not on every call
# Answers that would differ on a retry are not kept: the retry runs again (499: the client
# hung up before the answer).
_NOT_KEPT = frozenset({409, 429, 499})
_RENEWALS_PER_LEASE = 3

Run = Callable[[AsyncIterator[bytes]], Awaitable[Response]]


class _Digest:
    """SHA-256 of what makes a request (query, content headers, body), taken as it streams."""

    def __init__(self, request: Request) -> None:
        self._hash = hashlib.sha256()
        for part in (request.url.query, *_content_headers(request)):
            self._hash.update(part.encode() + b"\0")
        self._stream = request.stream()
        self._whole = False

    async def body(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            self._hash.update(chunk)
            yield chunk
        self._whole = True

    def value(self) -> str | None:
        """None while the body was not read whole (a refusal answered before it)."""
        return self._hash.hexdigest() if self._whole else None

    async def of_whole(self) -> str:
        async for _ in self.body():
            pass
        return self._hash.hexdigest()


def _content_headers(request: Request) -> list[str]:
    return [request.headers.get(name, "") for name in ("content-type", "content-encoding")]


async def idempotent(request: Request, runtime: Runtime, *, caller: Caller, run: Run) -> Response:
    """Run the request once per key and path; replay its answer to retries."""
    key = request.headers.get(HEADER)
    if key is None:
        return await run(request.stream())
    scope = _scope(caller.key_name or "", request.url.path, key)
    holder = uuid.uuid4().hex
    now = datetime.now(UTC)
    lease = timedelta(seconds=runtime.idempotency_lease_seconds)
    claimed = await runtime.db.write(
        lambda connection: claims.claim(
            connection, scope=scope, holder=holder, now=now, window=_WINDOW, lease=lease
        )
    )
    digest = _Digest(request)
    if claimed is False:
        raise IngestError(409, "a request with this Idempotency-Key is still in flight")
    if isinstance(claimed, claims.StoredAnswer):
        return await _replay(claimed, digest)
    renewing = asyncio.create_task(_renew(runtime, scope=scope, holder=holder))
    try:
        response = await run(digest.body())
    except BaseException:
        with anyio.CancelScope(shield=True):  # a client that hung up must not leave a claim
            renewing.cancel()
            await runtime.db.write(
                lambda connection: claims.release(connection, scope=scope, holder=holder)
            )
        raise
    renewing.cancel()
    await _settle(runtime, scope=scope, holder=holder, response=response, digest=digest.value())
    if random.randrange(_PURGE_ONE_IN) == 0:
        await runtime.db.write(
            lambda connection: claims.purge_expired(connection, before=now - _WINDOW)
        )
    return response


async def _replay(answer: claims.StoredAnswer, digest: _Digest) -> Response:
    if answer.digest is not None and await digest.of_whole() != answer.digest:
        raise IngestError(
            422, "Idempotency-Key was already used for a different request; use a new key"
        )
    headers = {"Idempotent-Replayed": "true"}
    return Response(answer.body, answer.status, headers, answer.content_type)


async def _renew(runtime: Runtime, *, scope: str, holder: str) -> None:
    """Keep the claim's lease while the request runs; a renewal the database misses is tried
    again at the next turn (the lease spans several)."""
    while True:
        await asyncio.sleep(runtime.idempotency_lease_seconds / _RENEWALS_PER_LEASE)
        with contextlib.suppress(DatabaseUnavailable):
            await runtime.db.write(
                lambda connection: claims.renew(
                    connection, scope=scope, holder=holder, now=datetime.now(UTC)
                )
            )


async def _settle(
    runtime: Runtime, *, scope: str, holder: str, response: Response, digest: str | None
) -> None:
    if response.status_code >= 500 or response.status_code in _NOT_KEPT:
        await runtime.db.write(
            lambda connection: claims.release(connection, scope=scope, holder=holder)
        )
        return
    answer = claims.StoredAnswer(
        status=response.status_code,
        content_type=response.media_type or "",
        body=bytes(response.body),
        digest=digest,
    )
    await runtime.db.write(
        lambda connection: claims.store_answer(
            connection, scope=scope, holder=holder, answer=answer
        )
    )


def _scope(key_name: str, path: str, key: str) -> str:
    """The key is the client's: per API key (one space for callers without) and per path."""
    if not 1 <= len(key) <= limits.MAX_IDEMPOTENCY_KEY_LENGTH or not key.isprintable():
        limit = limits.MAX_IDEMPOTENCY_KEY_LENGTH
        raise bad_request(f"Idempotency-Key must be 1 to {limit} printable characters")
    if not key.isascii():
        raise bad_request("Idempotency-Key must be ASCII")
    return f"{key_name} {path} {key}"
