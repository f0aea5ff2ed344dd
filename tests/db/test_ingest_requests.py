"""Idempotency-Key claims on PostgreSQL (db/ingest_requests.py): one holder at a time, even
when requests with the same key arrive together, and a holder whose lease lapsed can no longer
answer, renew or release the claim a newer request took."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, create_engine, delete

from db import ingest_requests as claims
from db.migrate import upgrade_database
from db.models import ingest_requests

LEASE = timedelta(seconds=60)
WINDOW = timedelta(hours=24)
TOGETHER = 8  # requests with the same key at the same moment


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(postgres_url, pool_size=TOGETHER)
    upgrade_database(engine)
    try:
        yield engine
    finally:
        with engine.begin() as connection:
            connection.execute(delete(ingest_requests))
        engine.dispose()


def claim(
    engine: Engine, scope: str, now: datetime, holder: str = "h"
) -> claims.StoredAnswer | bool:
    with engine.begin() as connection:
        return claims.claim(
            connection, scope=scope, holder=holder, now=now, window=WINDOW, lease=LEASE
        )


def answer(engine: Engine, scope: str, holder: str, status: int) -> None:
    stored = claims.StoredAnswer(status=status, content_type="text/plain", body=b"", digest=None)
    with engine.begin() as connection:
        claims.store_answer(connection, scope=scope, holder=holder, answer=stored)


def claims_together(engine: Engine, scope: str, now: datetime) -> list[object]:
    """TOGETHER claims of one scope, each in its own transaction, started at once."""
    start = threading.Barrier(TOGETHER)
    outcomes: list[object] = []

    def one() -> None:
        holder = uuid.uuid4().hex
        start.wait(timeout=30)
        outcomes.append(claim(engine, scope, now, holder))

    threads = [threading.Thread(target=one) for _ in range(TOGETHER)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_requests_arriving_together_give_the_claim_to_one(engine: Engine) -> None:
    outcomes = claims_together(engine, f"together-{uuid.uuid4().hex}", datetime.now(UTC))
    assert sorted(outcomes, key=str) == [False] * (TOGETHER - 1) + [True]


def test_requests_arriving_together_after_a_lapsed_lease_give_it_to_one(engine: Engine) -> None:
    scope, now = f"lapsed-{uuid.uuid4().hex}", datetime.now(UTC)
    assert claim(engine, scope, now - LEASE * 2) is True  # its holder died
    outcomes = claims_together(engine, scope, now)
    assert sorted(outcomes, key=str) == [False] * (TOGETHER - 1) + [True]


def test_a_holder_whose_lease_lapsed_cannot_answer_the_newer_claim(engine: Engine) -> None:
    scope, now = f"late-{uuid.uuid4().hex}", datetime.now(UTC)
    assert claim(engine, scope, now - LEASE * 2, "stalled") is True
    assert claim(engine, scope, now, "retry") is True  # the lease lapsed: the retry runs
    answer(engine, scope, "stalled", 500)  # the stalled holder wakes up and answers
    assert claim(engine, scope, now, "third") is False  # the retry is still in flight
    answer(engine, scope, "retry", 200)
    replayed = claim(engine, scope, now, "fourth")
    assert isinstance(replayed, claims.StoredAnswer)
    assert replayed.status == 200


def test_a_holder_whose_lease_lapsed_cannot_release_or_renew_the_newer_claim(
    engine: Engine,
) -> None:
    scope, now = f"late-{uuid.uuid4().hex}", datetime.now(UTC)
    assert claim(engine, scope, now - LEASE * 4, "stalled") is True
    assert claim(engine, scope, now - LEASE * 2, "retry") is True  # then the retry stalls too
    with engine.begin() as connection:
        claims.release(connection, scope=scope, holder="stalled")
        claims.renew(connection, scope=scope, holder="stalled", now=now)
    assert claim(engine, scope, now - LEASE * 1.5, "third") is False  # the retry holds on
    assert claim(engine, scope, now, "fourth") is True  # and lapses by its own lease
