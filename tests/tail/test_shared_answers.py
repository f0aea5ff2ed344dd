"""Tails with the same selection share each log's answer (made once per process), and a tail
with another selection or filter still gets its own, correct one."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import (
    fast_path_only,  # noqa: F401  # the fast path's own tests
    gql,
)
from tests.factories import create_logs, log_json
from tests.plan_answers import recorded_answers
from tests.tail.support import GRAPHQL_WS, NODE, edges, tailing

OTHER = """subscription($filter: LogFilter) {
  logs(filter: $filter) { node { service id } at: cursor }
}"""


@pytest.mark.slow
def test_the_same_selection_shares_answers_and_another_gets_its_own(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = recorded_answers(monkeypatch, "LogEdge")
    with (
        tailing(client) as first,
        tailing(client, protocol=GRAPHQL_WS) as second,
        tailing(client, filter={"service": "api"}, query=OTHER) as other,
    ):
        written = create_logs(
            client,
            log_json(service="api", message="one"),
            log_json(service="web", message="two", metadata_=None),
            log_json(service="api", message="three", level="ERROR"),
        )
        received = edges(first, 3)
        assert edges(second, 3) == received
        stored = gql(client, f"{{ logs(order: ASC) {{ {NODE} }} }}")["data"]["logs"]
        assert [edge["node"] for edge in received] == stored
        api = [edge for edge in received if edge["node"]["service"] == "api"]
        assert edges(other, 2) == [
            {"node": {"service": "api", "id": edge["node"]["id"]}, "at": edge["cursor"]}
            for edge in api
        ]
    assert [int(edge["node"]["id"]) for edge in received] == [log["id"] for log in written]
    # One answer per log for the two alike, one per matching log for the other.
    assert len(made) == 3 + 2
    assert None not in made
