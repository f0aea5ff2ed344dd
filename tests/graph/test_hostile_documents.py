"""Documents built to cost far more than their size: refused cheaply, whatever they are called."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from graphql import parse

from graph.caches import CACHE_BUDGET, MAX_CACHED_QUERY_LENGTH, queries
from graph.cost import MAX_ALIASES, MAX_DEPTH, MAX_REPEATS, MAX_SPREADS, operation_costs
from tests.conftest import gql

# Only a hang-breaker: a bomb walked path by path would not finish in hours.
HANG_BREAKER_SECONDS = 60


def fragment_bomb(levels: int, *, name: str = "F") -> str:
    """`{ ...F0 }`, each fragment spreading the next twice: 2^levels paths in 0.04 KB a level."""
    fragments = " ".join(
        f"fragment {name}{i} on Query {{ ...{name}{i + 1} ...{name}{i + 1} }}"
        for i in range(levels)
    )
    return f"{{ ...{name}0 }} {fragments} fragment {name}{levels} on Query {{ __typename }}"


def within_hang_breaker(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The call's result; a failure instead of a hang (the thread is left behind)."""
    results: list[dict[str, Any]] = []
    thread = threading.Thread(target=lambda: results.append(call()), daemon=True)
    thread.start()
    thread.join(HANG_BREAKER_SECONDS)
    assert results, f"no answer within {HANG_BREAKER_SECONDS} s"
    return results[0]


def error_messages(body: dict[str, Any]) -> list[str]:
    return [error["message"] for error in body.get("errors", [])]


def test_fragment_bomb_cost_is_counted_once_per_fragment() -> None:
    (cost,) = operation_costs(parse(fragment_bomb(200))).values()
    # 2^200 fields could never be walked one by one; each fragment was measured once.
    assert cost.fields == 2**200
    assert cost.depth == 1


@pytest.mark.parametrize("name", ["F", "Renamed"])
def test_fragment_bomb_is_refused_as_too_many_fields(client: TestClient, name: str) -> None:
    body = within_hang_breaker(lambda: gql(client, fragment_bomb(30, name=name)))
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert f"selects {2**30} fields" in body["errors"][0]["message"]
    assert client.get("/healthz").status_code == 200


def test_aliases_reached_through_fragments_count_each_spread(client: TestClient) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES // 2 + 1))
    query = "{ ...A ...B } fragment A on Query { ...C } fragment B on Query { ...C } "
    query += f"fragment C on Query {{ {aliases} }}"
    body = gql(client, query)
    assert body.get("data") is None
    assert f"has {2 * (MAX_ALIASES // 2 + 1)} aliases" in error_messages(body)[0]


def test_depth_through_fragments_is_refused(client: TestClient) -> None:
    # `ofType` chains pass graphql-core's introspection rule; only the depth limit stops them.
    chain = "ofType { " * (MAX_DEPTH - 2) + "name" + " }" * (MAX_DEPTH - 2)
    query = "{ __schema { types { ...Deep } } } fragment Deep on __Type { " + chain + " }"
    body = gql(client, query)
    assert body.get("data") is None
    assert "depth" in error_messages(body)[0]


def test_a_fragment_cycle_is_reported_not_followed(client: TestClient) -> None:
    query = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    body = within_hang_breaker(lambda: gql(client, query))
    assert body.get("data") is None
    assert any("Cannot spread fragment" in message for message in error_messages(body))


def test_same_fragment_spread_at_several_places_is_answered(client: TestClient) -> None:
    query = "{ a: logs { ...L } b: logs { ...L } } fragment L on Log { id level service }"
    body = gql(client, query)
    assert body == {"data": {"a": [], "b": []}}


def padded(query: str, length: int) -> str:
    """The query with a comment making it `length` characters long."""
    return query + " #" + "x" * (length - len(query) - 2)


@pytest.mark.slow
def test_cache_stays_within_its_budget(client: TestClient) -> None:
    length = MAX_CACHED_QUERY_LENGTH - 10
    for i in range(2 * CACHE_BUDGET // length):
        assert gql(client, padded(f"{{ n{i}: __typename }}", length)) == {
            "data": {f"n{i}": "Query"}
        }
    assert queries.size <= CACHE_BUDGET
    assert len(queries.entries) <= CACHE_BUDGET // length


def test_long_queries_are_not_cached(client: TestClient) -> None:
    query = padded("{ long: __typename }", MAX_CACHED_QUERY_LENGTH + 1)
    assert gql(client, query) == {"data": {"long": "Query"}}
    assert query not in queries.entries


def test_cached_query_is_answered_and_refused_as_the_first_time(client: TestClient) -> None:
    valid, invalid = "{ cachedValid: __typename }", "{ cachedInvalid: nope }"
    first = [gql(client, valid), gql(client, invalid)]
    assert valid in queries.entries
    assert invalid in queries.entries
    assert [gql(client, valid), gql(client, invalid)] == first
    assert first[1]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_field_repeated_in_one_selection_set_is_refused(client: TestClient) -> None:
    # graphql-core compares such fields pairwise: 250 took a second before they were refused.
    body = within_hang_breaker(lambda: gql(client, "{ " + "logs { id } " * 250 + "}"))
    assert error_messages(body) == [
        f"The operation selects one field 250 times in a selection set; at most {MAX_REPEATS}"
    ]


def test_repeats_count_through_fragments(client: TestClient) -> None:
    spreads = " ".join(f"...F{i}" for i in range(MAX_REPEATS + 1))
    fragments = " ".join(
        f"fragment F{i} on Query {{ logs {{ id }} }}" for i in range(MAX_REPEATS + 1)
    )
    body = gql(client, f"{{ {spreads} }} {fragments}")
    assert f"one field {MAX_REPEATS + 1} times" in error_messages(body)[0]


def test_repeats_up_to_the_limit_are_answered(client: TestClient) -> None:
    body = gql(client, "{ logs { " + "id " * MAX_REPEATS + "} " * 1 + "}")
    assert body == {"data": {"logs": []}}


def test_many_fragment_spreads_in_one_selection_set_are_refused(client: TestClient) -> None:
    count = 1000  # empty fragments: graphql-core compared each pair for half a second
    spreads = " ".join(f"...F{i}" for i in range(count))
    fragments = " ".join(f"fragment F{i} on Query {{ }}" for i in range(count))
    body = gql(client, f"{{ {spreads} }} {fragments}")
    assert error_messages(body) == [
        f"The operation spreads {count} fragments in a selection set; at most {MAX_SPREADS}"
    ]
