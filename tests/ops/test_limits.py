"""MAX_WEBSOCKETS: beyond the cap a handshake is refused with 503; a freed slot is usable again."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse

from settings import load_settings
from tests.alerts.support import wait_for

TRANSPORT_WS = "graphql-transport-ws"
LIMIT = 3


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"enable_alerts": False, "max_websockets": LIMIT}


def open_socket(client: TestClient, stack: ExitStack) -> None:
    ws = stack.enter_context(client.websocket_connect("/graphql", [TRANSPORT_WS]))
    ws.send_json({"type": "connection_init"})
    assert ws.receive_json() == {"type": "connection_ack"}


def can_open(client: TestClient) -> bool:
    try:
        with ExitStack() as stack:
            open_socket(client, stack)
    except WebSocketDenialResponse:
        return False
    return True


def test_websockets_beyond_the_cap_are_refused_with_503(client: TestClient) -> None:
    with ExitStack() as stack:
        for _ in range(LIMIT):
            open_socket(client, stack)
        with (
            pytest.raises(WebSocketDenialResponse) as refused,
            client.websocket_connect("/graphql", [TRANSPORT_WS]),
        ):
            pass
        assert refused.value.status_code == 503
        assert refused.value.headers["retry-after"] == "5"
        assert client.get("/api/v1/stats/").status_code == 200  # HTTP is not affected
    wait_for(lambda: can_open(client), what="a slot freed by a closed socket")


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_max_websockets_below_one_stops_start_up(value: str) -> None:
    with pytest.raises(SystemExit, match="MAX_WEBSOCKETS"):
        load_settings(max_websockets=value)
