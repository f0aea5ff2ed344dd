"""Introspection is a read like any other: with AUTH_REQUIRED on, it needs a key with READ."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.access.support import ADMIN_KEY, REVOKE, call, codes, create_key
from tests.conftest import FAST_PATHS

SCHEMA = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "Log") { name } }'


@pytest.fixture(params=list(FAST_PATHS))
def fast_paths(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The check holds with the fast path and without it (GRAPHQL_FAST_PATH=false)."""
    settings: dict[str, Any] = FAST_PATHS[request.param]
    return settings


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"enable_alerts": False, "auth_required": True, "admin_api_key": ADMIN_KEY}


@pytest.mark.parametrize("document", [SCHEMA, TYPE, f"query A {SCHEMA} query B {TYPE}"])
def test_introspection_without_a_valid_read_key_is_refused(
    client: TestClient, document: str
) -> None:
    revoked = create_key(client, "revoked", "READ")
    call(client, REVOKE, {"name": "revoked"}, key=ADMIN_KEY)
    shipper = create_key(client, "shipper", "INGEST")
    for _ in range(2):  # the second time the text is cached, and takes the fast path
        for key, code in (
            (None, "UNAUTHENTICATED"),
            ("lg_wrong", "UNAUTHENTICATED"),
            (revoked, "UNAUTHENTICATED"),
            (shipper, "FORBIDDEN"),
        ):
            body = client.post(
                "/graphql",
                json={"query": document, "operationName": "A" if "query A" in document else None},
                headers={} if key is None else {"authorization": f"Bearer {key}"},
            ).json()
            assert body["data"] is None, (key, body)
            assert codes(body) == {code}, (key, body)


def test_introspection_with_a_read_key_answers(client: TestClient) -> None:
    reader = create_key(client, "reader", "READ")
    for _ in range(2):
        assert call(client, SCHEMA, key=reader)["data"] == {
            "__schema": {"queryType": {"name": "Query"}}
        }
        assert call(client, TYPE, key=reader)["data"] == {"__type": {"name": "Log"}}
