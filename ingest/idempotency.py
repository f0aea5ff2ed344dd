"""Idempotency-Key: a retry within the window gets the first answer and writes nothing again,
whichever process it reaches (the claims live in the database every process shares)."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import anyio
from fastapi import Request, Response

from core.access import Caller
from core.runtime import Runtime
from db import ingest_requests as claims
from ingest import limits
from ingest.errors import IngestError, bad_request

HEADER = "idempotency-key"
_WINDOW = timedelta(seconds=limits.IDEMPOTENCY_WINDOW_SECONDS)
_ABANDONED = timedelta(seconds=limits.IDEMPOTENCY_ABANDONED_SECONDS)
_PURGE_ONE_IN = 100  # requests; expired answers are swept now and then, not on every call
# Answers that would differ on a retry are not kept: the retry runs again (499: the client
# hung up before the answer).
_NOT_KEPT = frozenset({409, 429, 499})


async def idempotent(
    request: Request, runtime: Runtime, *, caller: Caller, run: Callable[[], Awaitable[Response]]
) -> Response:
    """Run the request once per key and path; replay its answer to retries."""
    key = request.headers.get(HEADER)
    if key is None:
        return await run()
    scope = _scope(caller.key_name or "", request.url.path, key)
    now = datetime.now(UTC)
    claimed = await runtime.db.write(
        lambda connection: claims.claim(
            connection, scope=scope, now=now, window=_WINDOW, abandoned=_ABANDONED
        )
    )
    if claimed is False:
        raise IngestError(409, "a request with this Idempotency-Key is still in flight")
    if isinstance(claimed, claims.StoredAnswer):
        headers = {"Idempotent-Replayed": "true"}
        return Response(claimed.body, claimed.status, headers, claimed.content_type)
    try:
        response = await run()
    except BaseException:
        with anyio.CancelScope(shield=True):  # a client that hung up must not leave a claim
            await runtime.db.write(lambda connection: claims.release(connection, scope=scope))
        raise
    await _settle(runtime, scope=scope, response=response)
    if random.randrange(_PURGE_ONE_IN) == 0:
        await runtime.db.write(
            lambda connection: claims.purge_expired(connection, before=now - _WINDOW)
        )
    return response


async def _settle(runtime: Runtime, *, scope: str, response: Response) -> None:
    if response.status_code >= 500 or response.status_code in _NOT_KEPT:
        await runtime.db.write(lambda connection: claims.release(connection, scope=scope))
        return
    answer = claims.StoredAnswer(
        status=response.status_code,
        content_type=response.media_type or "",
        body=bytes(response.body),
    )
    await runtime.db.write(
        lambda connection: claims.store_answer(connection, scope=scope, answer=answer)
    )


def _scope(key_name: str, path: str, key: str) -> str:
    """The key is the client's: per API key (one space for callers without) and per path."""
    if not 1 <= len(key) <= limits.MAX_IDEMPOTENCY_KEY_LENGTH or not key.isprintable():
        limit = limits.MAX_IDEMPOTENCY_KEY_LENGTH
        raise bad_request(f"Idempotency-Key must be 1 to {limit} printable characters")
    if not key.isascii():
        raise bad_request("Idempotency-Key must be ASCII")
    return f"{key_name} {path} {key}"
