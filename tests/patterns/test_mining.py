"""Mining: every log gets the template of its message, once, in whichever process mines."""

from __future__ import annotations

import random
import string
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from core import pattern_miner
from tests.conftest import CLEARED_TABLES
from tests.factories import create_logs, log_json
from tests.ops.test_metrics import sample
from tests.patterns.support import (
    app_on,
    assignments,
    catch_up,
    miner,
    query,
    templates_of,
)


@pytest.fixture
def url(database_url: str) -> Iterator[str]:
    """The test's database, emptied afterwards (PostgreSQL's is shared by the tests)."""
    yield database_url
    with app_on(database_url) as client:
        engine = client.app.state.runtime.db.engine  # type: ignore[attr-defined]
        with engine.begin() as connection:
            for table in CLEARED_TABLES:
                connection.execute(text(f"DELETE FROM {table}"))


def payment(n: int) -> dict[str, object]:
    user = random.choice(["ann", "bob", "carl"])
    return log_json(
        service="payment-service",
        message=f"payment {1000 + n} declined for user {user} after {n * 7} ms from 10.0.{n}.1",
    )


def login(n: int) -> dict[str, object]:
    return log_json(
        service="auth-service",
        message=f"session 3f2a9c1d-1234-4abc-8def-{n:012d} opened by u{n}@example.com in {n}ms",
    )


def write(client: TestClient, *bodies: dict[str, object]) -> None:
    for start in range(0, len(bodies), 500):
        create_logs(client, *bodies[start : start + 500])


def test_lines_of_a_few_templates_become_those_templates(url: str) -> None:
    with app_on(url) as client:
        write(client, *(payment(n) for n in range(30)), *(login(n) for n in range(30)))
        catch_up(client)
        assert sorted(templates_of(client).values()) == [
            ("auth-service", "session <UUID> opened by <EMAIL> in <DURATION>"),
            ("payment-service", "payment <NUM> declined for user <*> after <NUM> ms from <IP>"),
        ]
        assert len(assignments(client)) == 60


def test_every_log_is_assigned_once_and_counts_equal_a_direct_count(url: str) -> None:
    with app_on(url) as client:
        write(client, *(payment(n) for n in range(40)), *(login(n) for n in range(25)))
        catch_up(client)
        counted = query(
            client,
            "SELECT p.service, count(*) AS n FROM log_patterns a"
            " JOIN patterns p ON p.id = a.pattern_id GROUP BY p.service",
        )
        direct = query(client, "SELECT service, count(*) AS n FROM logs GROUP BY service")
        assert sorted(counted) == sorted(direct)


def test_ids_stay_the_same_across_a_restart_and_logs_written_meanwhile_are_mined(
    url: str,
) -> None:
    with app_on(url) as first:
        write(first, *(payment(n) for n in range(10)), *(login(n) for n in range(10)))
        catch_up(first)
        before = templates_of(first)
        write(first, *(payment(n) for n in range(10, 20)))  # the miner is down now
    with app_on(url) as second:  # the first handed its lease over as it stopped
        write(second, *(login(n) for n in range(10, 20)))
        catch_up(second)
        assert templates_of(second) == before
        assert len(assignments(second)) == 40


def test_an_app_that_never_mined_hands_nothing_over_as_it_stops(url: str) -> None:
    """It holds no lease and was never a miner: stopping writes nothing of mining."""
    statements: list[str] = []
    with app_on(url) as client:
        for engine in client.app.state.runtime.db.engines:  # type: ignore[attr-defined]
            event.listen(engine, "before_cursor_execute", lambda *sent: statements.append(sent[2]))
    assert [sql for sql in statements if "pattern_" in sql] == []


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of a few logs: a backlog takes many, each stored as the next one is mined."""
    monkeypatch.setattr(pattern_miner, "BATCH", 7)


def test_a_backlog_of_many_batches_is_assigned_once_and_counted_once(
    url: str, small_batches: None
) -> None:
    with app_on(url) as client:
        write(client, *(payment(n) for n in range(60)), *(login(n) for n in range(45)))
        took = client.portal.call(miner(client).mine_once)  # type: ignore[union-attr]
        assert took == 105  # in one round of 15 batches
        rows = query(client, "SELECT log_id, count(*) AS n FROM log_patterns GROUP BY log_id")
        assert len(rows) == 105
        assert {row.n for row in rows} == {1}
        assert query(client, "SELECT sum(count) AS n FROM pattern_counts")[0].n == 105
        assert len(templates_of(client)) == 2


@pytest.mark.slow  # two apps race for a second or two
@pytest.mark.parametrize(
    "lease",
    [0.001, 0.2],  # lapsing at once: both always try; or a few batches in a round each
)
def test_two_processes_mining_together_never_assign_a_log_twice(
    url: str, lease: float, small_batches: None
) -> None:
    racing = {"pattern_lease_seconds": lease}
    with app_on(url, **racing) as one, app_on(url, **racing) as two:
        done = threading.Event()
        errors: list[BaseException] = []

        def mine(client: TestClient) -> None:
            try:
                while not done.is_set():
                    client.portal.call(miner(client).mine_once)  # type: ignore[union-attr]
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=mine, args=(client,)) for client in (one, two)]
        for thread in threads:
            thread.start()
        for n in range(0, 120, 20):
            write(one, *(payment(k) for k in range(n, n + 10)))
            write(two, *(login(k) for k in range(n, n + 10)))
        done.set()
        for thread in threads:
            thread.join()
        assert errors == []
        catch_up(one)
        catch_up(two)
        rows = query(one, "SELECT log_id, count(*) AS n FROM log_patterns GROUP BY log_id")
        assert len(rows) == 120
        assert {row.n for row in rows} == {1}
        assert len(templates_of(one)) == 2


def unique_line() -> str:
    return " ".join("".join(random.choices(string.ascii_lowercase, k=7)) for _ in range(5))


def test_a_flood_of_unique_messages_stays_within_the_caps(url: str) -> None:
    caps = {"pattern_max_per_service": 5, "pattern_max_line_chars": 60}
    with app_on(url, **caps) as client:
        before = client.get("/metrics").text
        write(client, *(log_json(message=unique_line()) for _ in range(300)))
        write(client, *(log_json(message="long " * 20) for _ in range(3)))
        catch_up(client)
        after = client.get("/metrics").text
        assert len(templates_of(client)) <= 5
        assert query(client, "SELECT count(*) AS n FROM log_patterns")[0].n <= 5

        def counted(outcome: str) -> float:
            name = "lograph_pattern_logs_total"
            return sample(after, name, outcome=outcome) - sample(before, name, outcome=outcome)

        assert counted("assigned") + counted("dropped") == 300
        assert counted("dropped") >= 295
        assert counted("over_caps") == 3


@pytest.mark.slow  # starts the miner's worker process
def test_the_background_miner_assigns_new_logs_by_itself(url: str) -> None:
    with app_on(url, enable_patterns=True, pattern_mine_interval_seconds=0.05) as client:
        write(client, *(payment(n) for n in range(20)))
        deadline = time.monotonic() + 15  # the promised delay; usually well under a second
        while len(assignments(client)) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(assignments(client)) == 20


def test_a_service_first_written_after_mining_began_is_mined_from_its_first_log(
    url: str,
) -> None:
    with app_on(url) as client:
        write(client, *(payment(n) for n in range(10)))
        catch_up(client)
        write(client, *(login(n) for n in range(10)), *(payment(n) for n in range(10, 15)))
        catch_up(client)
        assert len(assignments(client)) == 25


def assigned(client: TestClient) -> int:
    count: int = query(client, "SELECT count(*) AS n FROM log_patterns")[0].n
    return count


def holders(client: TestClient) -> list[int]:
    rows = query(client, "SELECT owner, count(*) AS n FROM pattern_cursors GROUP BY owner")
    return sorted(row.n for row in rows)


def test_a_second_miner_takes_half_of_the_services_and_each_mines_its_own(url: str) -> None:
    services = [f"service-{n}" for n in range(4)]
    with app_on(url) as one, app_on(url) as two:
        write(one, *(log_json(service=name, message="request 1 done") for name in services))
        catch_up(one)
        assert holders(one) == [4]
        for client in (two, one, two):  # two says it is alive; one lets go; two takes
            client.portal.call(miner(client).mine_once)  # type: ignore[union-attr]
        assert holders(one) == [2, 2]
        write(one, *(log_json(service=name, message="request 2 done") for name in services))
        catch_up(one)
        assert assigned(one) == 6  # one mined its own two services only
        catch_up(two)
        assert assigned(one) == 8
