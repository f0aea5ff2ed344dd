"""`logsConnection`: keyset cursors that neither skip nor repeat, in both directions."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient

import core.connections
from db.cursors import keyset_page
from tests.conftest import gql
from tests.factories import create_logs, log_json

PAGE = """
query($filter: LogFilter, $first: Int, $after: String, $last: Int, $before: String,
      $order: SortOrder) {
  logsConnection(filter: $filter, first: $first, after: $after, last: $last, before: $before,
                 order: $order) {
    edges { cursor node { id message } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}
"""


def page(client: TestClient, **variables: Any) -> dict[str, Any]:
    body = gql(client, PAGE, variables)
    assert "errors" not in body, body
    connection: dict[str, Any] = body["data"]["logsConnection"]
    assert [edge["node"]["id"] for edge in connection["edges"]] == [
        node["id"] for node in connection["nodes"]
    ]
    return connection


def seed(client: TestClient, count: int, *, minute: int = 0) -> list[str]:
    """Logs two per second (so timestamps tie and ids break the ties); their ids, oldest first."""
    created = create_logs(
        client,
        *[
            log_json(message=f"m{i}", timestamp=f"2025-01-01T00:{minute:02}:{i // 2:02}Z")
            for i in range(count)
        ],
    )
    return [str(log["id"]) for log in created]


def walk(client: TestClient, *, size: int, order: str, backward: bool = False) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        if backward:
            connection = page(client, last=size, before=cursor, order=order)
            ids = [node["id"] for node in connection["nodes"]] + ids
            more, cursor = (
                connection["pageInfo"]["hasPreviousPage"],
                connection["pageInfo"]["startCursor"],
            )
        else:
            connection = page(client, first=size, after=cursor, order=order)
            ids += [node["id"] for node in connection["nodes"]]
            more, cursor = (
                connection["pageInfo"]["hasNextPage"],
                connection["pageInfo"]["endCursor"],
            )
        if not more:
            return ids


@pytest.mark.parametrize("order", ["ASC", "DESC"])
@pytest.mark.parametrize("backward", [False, True])
def test_walking_every_page_yields_each_log_once_in_order(
    client: TestClient, order: str, backward: bool
) -> None:
    ids = seed(client, 23)
    expected = ids if order == "ASC" else ids[::-1]
    assert walk(client, size=5, order=order, backward=backward) == expected


def test_page_info_on_first_middle_and_last_page(client: TestClient) -> None:
    seed(client, 6)
    first = page(client, first=2)
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["totalCount"] == 6
    middle = page(client, first=2, after=first["pageInfo"]["endCursor"])
    assert middle["pageInfo"]["hasPreviousPage"] is True
    assert middle["edges"][0]["cursor"] == middle["pageInfo"]["startCursor"]
    last = page(client, first=2, after=middle["pageInfo"]["endCursor"])
    assert last["pageInfo"]["hasNextPage"] is False
    assert page(client, first=5, after=last["pageInfo"]["endCursor"])["edges"] == []


def test_first_defaults_to_fifty(client: TestClient) -> None:
    seed(client, 55)
    assert len(page(client)["edges"]) == 50


def test_paging_while_logs_arrive_neither_skips_nor_repeats(client: TestClient) -> None:
    existing = set(seed(client, 20, minute=30))
    seen: list[str] = []
    cursor = None
    for round_ in range(30):
        connection = page(client, first=3, after=cursor, filter={"service": "auth-service"})
        seen += [node["id"] for node in connection["nodes"]]
        cursor = connection["pageInfo"]["endCursor"]
        # Newer, older and same-instant logs keep arriving between pages.
        seed(client, 1, minute=59)
        create_logs(client, log_json(message=f"late {round_}", timestamp="2025-01-01T00:30:05Z"))
        seed(client, 1, minute=1)
        if not connection["pageInfo"]["hasNextPage"]:
            break
    assert len(seen) == len(set(seen))
    assert existing <= set(seen)


def test_total_count_follows_the_filter_not_the_page(client: TestClient) -> None:
    seed(client, 10)
    create_logs(client, log_json(level="ERROR", service="pay", metadata_={"order": 7}))
    assert page(client, first=1)["totalCount"] == 11
    assert page(client, first=0, filter={"level": "ERROR"})["totalCount"] == 1
    assert page(client, filter={"metadata": [{"path": "order", "gte": 7}]})["totalCount"] == 1
    hour = {"startTime": "2025-01-01T00:00:00Z", "endTime": "2025-01-01T00:00:04Z"}
    assert page(client, first=1, filter=hour)["totalCount"] == 10


def _error(client: TestClient, **variables: Any) -> dict[str, Any]:
    body = gql(client, PAGE, variables)
    (error,) = body["errors"]
    extensions: dict[str, Any] = error["extensions"]
    return extensions


def _forged(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "nonsense",
        "!!!!",
        "x" * 500,
        _forged("[1]"),
        _forged('[2, "DESC", "2025-01-01T00:00:00+00:00", 1]'),
        _forged('[1, "DESC", "2025-01-01T00:00:00", 1]'),
        _forged('[1, "DESC", "not a time", 1]'),
        _forged('[1, "DESC", "2025-01-01T00:00:00+00:00", 0]'),
        _forged('[1, "DESC", "2025-01-01T00:00:00+00:00", 1.5]'),
        _forged('[1, "DESC", "2025-01-01T00:00:00+00:00", 99999999999999999999]'),
        _forged('{"a": 1}'),
    ],
)
@pytest.mark.parametrize("argument", ["after", "before"])
def test_malformed_cursors_are_bad_user_input(
    module_client: TestClient, cursor: str, argument: str
) -> None:
    assert _error(module_client, **{argument: cursor}) == {
        "code": "BAD_USER_INPUT",
        "field": argument,
    }


def test_a_cursor_from_the_other_order_is_refused(client: TestClient) -> None:
    seed(client, 3)
    cursor = page(client, first=1, order="ASC")["pageInfo"]["endCursor"]
    assert _error(client, after=cursor) == {"code": "BAD_USER_INPUT", "field": "after"}
    assert _error(client, before=cursor, last=1, order="DESC") == {
        "code": "BAD_USER_INPUT",
        "field": "before",
    }


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 1, "last": 1}, "last"),
        ({"first": 1001}, "first"),
        ({"first": -1}, "first"),
        ({"last": 1001}, "last"),
    ],
)
def test_page_sizes_are_checked(client: TestClient, variables: dict[str, Any], field: str) -> None:
    assert _error(client, **variables) == {"code": "BAD_USER_INPUT", "field": field}


BEHIND_CASES = [  # (pageInfo selection, paging forward?, probes behind the cursor?)
    ("hasNextPage endCursor", True, False),
    ("hasPreviousPage", True, True),
    ("earlier: hasPreviousPage", True, True),
    ("...on PageInfo { hasPreviousPage }", True, True),
    ("...Behind", True, True),
    ("hasPreviousPage @skip(if: true)", True, True),  # directives are not evaluated: a probe
    ("hasPreviousPage startCursor", False, False),
    ("hasNextPage", False, True),
]


@pytest.mark.parametrize(("selection", "forward", "probes"), BEHIND_CASES)
def test_what_lies_behind_the_cursor_is_looked_up_only_when_selected(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, selection: str, forward: bool, probes: bool
) -> None:
    seed(client, 6)
    cursor = page(client, first=3)["pageInfo"]["endCursor"]
    queries = counted_keyset_queries(monkeypatch)
    arguments = "first: 2, after: $cursor" if forward else "last: 2, before: $cursor"
    document = (
        f"query($cursor: String) {{ logsConnection({arguments}) {{ nodes {{ id }} "
        f"pageInfo {{ {selection} }} }} }}"
    )
    if "...Behind" in selection:
        document += " fragment Behind on PageInfo { hasPreviousPage }"

    body = gql(client, document, {"cursor": cursor})

    assert "errors" not in body, body
    assert len(queries) == (2 if probes else 1)
    info = body["data"]["logsConnection"]["pageInfo"]
    if probes:  # logs lie on both sides of the cursor: every flag answered is true
        assert all(flag is True for flag in info.values())


def counted_keyset_queries(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per keyset query `logsConnection` runs from now on."""
    calls: list[bool] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(True)
        return keyset_page(*args, **kwargs)

    monkeypatch.setattr(core.connections, "keyset_page", counted)
    return calls
