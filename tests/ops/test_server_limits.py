"""The real server with the documented uvicorn limits (`UVICORN_LIMITS` in the Makefile, the same
in the production command of docs/operations.md): Host checked on the WebSocket handshake,
MAX_WEBSOCKETS, oversized messages, idle keep-alive connections closed, and what uvicorn leaves to
the proxy."""

from __future__ import annotations

import re
import shlex
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from ops.protocol import BODY_GRACE_SECONDS, HEAD_TIMEOUT_SECONDS, MAX_HEAD_BYTES
from testing.server import APP_DIR, HOST, Server, production_options, running_servers

LIMITS = production_options()
KEEP_ALIVE_S = float(LIMITS[LIMITS.index("--timeout-keep-alive") + 1])
WS_MAX_SIZE = int(LIMITS[LIMITS.index("--ws-max-size") + 1])
MAX_WEBSOCKETS = 2
TRANSPORT_WS = "graphql-transport-ws"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("limits")
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'lograph.db'}",
        "ENABLE_ALERTS": "false",
        "MAX_WEBSOCKETS": str(MAX_WEBSOCKETS),
    }
    with running_servers(1, env=env, log_dir=folder, options=LIMITS) as (started,):
        yield started


def raw_request(server: Server, request: bytes) -> bytes:
    with socket.create_connection((HOST, server.port), timeout=5) as connection:
        connection.sendall(request)
        return connection.recv(4096)


def test_the_documented_production_command_has_the_makefile_limits() -> None:
    operations = (APP_DIR / "docs" / "operations.md").read_text()
    command = re.search(r"uvicorn main:app --host 0\.0\.0\.0 .*?\n(?!\s)", operations, re.DOTALL)
    assert command is not None
    assert shlex.split(command[0].replace("\\\n", " "))[-len(LIMITS) :] == LIMITS


@pytest.mark.slow
def test_a_rebound_websocket_handshake_gets_400(server: Server) -> None:
    rebound = f"rebind.attacker.example:{server.port}"
    handshake = (
        f"GET /graphql HTTP/1.1\r\nHost: {rebound}\r\nOrigin: http://{rebound}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        f"Sec-WebSocket-Protocol: {TRANSPORT_WS}\r\n\r\n"
    )
    assert raw_request(server, handshake.encode()).startswith(b"HTTP/1.1 400 ")


@pytest.mark.slow
def test_websockets_beyond_max_websockets_get_503(server: Server) -> None:
    with ExitStack() as stack:
        for _ in range(MAX_WEBSOCKETS):
            stack.enter_context(connect(server.ws, subprotocols=[TRANSPORT_WS], proxy=None))  # type: ignore[list-item]
        with (
            pytest.raises(InvalidStatus) as refused,
            connect(server.ws, subprotocols=[TRANSPORT_WS], proxy=None),  # type: ignore[list-item]
        ):
            pass
        assert refused.value.response.status_code == 503
    deadline = time.monotonic() + 5
    while True:  # the closed sockets free their slots
        try:
            with connect(server.ws, subprotocols=[TRANSPORT_WS], proxy=None):  # type: ignore[list-item]
                return
        except InvalidStatus:
            assert time.monotonic() < deadline, "slots never freed"
            time.sleep(0.1)


@pytest.mark.slow
def test_a_websocket_message_over_the_size_limit_closes_the_socket(server: Server) -> None:
    with connect(server.ws, subprotocols=[TRANSPORT_WS], proxy=None) as ws:  # type: ignore[list-item]
        ws.send("x" * (WS_MAX_SIZE + 1))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009  # message too big


@pytest.mark.slow
def test_idle_connections_and_unfinished_heads_are_closed(server: Server) -> None:
    """uvicorn closes a connection idle after a response within --timeout-keep-alive; our
    protocol (--http ops.protocol:...) answers 408 to a head unfinished after 10 s."""
    with (
        socket.create_connection((HOST, server.port)) as served,
        socket.create_connection((HOST, server.port)) as silent,
    ):
        served.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        served.settimeout(5)
        answer = b""
        while not answer.endswith(b'{"status":"ok"}'):
            answer += served.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200 ")
        silent.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        time.sleep(KEEP_ALIVE_S + 1.5)
        served.settimeout(1)
        assert served.recv(4096) == b""  # closed by the server
        silent.settimeout(HEAD_TIMEOUT_SECONDS + 5)
        assert silent.recv(4096).startswith(b"HTTP/1.1 408 ")
        assert silent.recv(4096) == b""


@pytest.mark.slow
def test_a_head_over_64_kib_gets_431(server: Server) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"x" * (MAX_HEAD_BYTES + 1)
    assert raw_request(server, head).startswith(b"HTTP/1.1 431 ")


@pytest.mark.slow
def test_a_head_and_a_large_body_in_one_read_are_served(server: Server) -> None:
    """Only the head counts towards its 64 KiB: a body that arrives with it does not."""
    line = b'{"level": "INFO", "service": "one-read", "message": "m"}\n'
    body = line * (2 * MAX_HEAD_BYTES // len(line))
    head = (
        "POST /ingest/ndjson HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"content-type: application/x-ndjson\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    assert raw_request(server, head.encode() + body).startswith(b"HTTP/1.1 200 ")


@pytest.mark.slow
def test_a_body_that_stops_coming_gets_408(server: Server) -> None:
    """Our protocol answers 408 to a body unfinished 10 s after its head (plus a second per
    16 KiB received): a byte a second does not keep it open, on either lane or on a route."""
    paths = ("/api/v1/logs/", "/graphql", "/api/v1/bulk_logs/")
    trickles = [socket.create_connection((HOST, server.port)) for _ in paths]
    started = time.monotonic()
    answers = dict.fromkeys(paths, b"")
    with ExitStack() as stack:
        for path, trickle in zip(paths, trickles, strict=True):
            stack.enter_context(trickle)
            head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: 1000\r\n"
            trickle.sendall(head.encode() + b"content-type: application/json\r\n\r\n{")
            trickle.settimeout(0.2)
        while not all(answers.values()) and time.monotonic() - started < BODY_GRACE_SECONDS + 5:
            for path, trickle in zip(paths, trickles, strict=True):
                if answers[path]:
                    continue
                with suppress(TimeoutError):
                    answers[path] = trickle.recv(4096)
                with suppress(OSError):  # closed since: the answer is read next round
                    trickle.sendall(b" ")
            time.sleep(0.8)
    assert time.monotonic() - started >= BODY_GRACE_SECONDS - 0.5
    assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in answers.values()), answers


@pytest.mark.slow
def test_server_logged_no_errors(server: Server) -> None:
    log = Path(server.log).read_text()
    assert "Traceback" not in log
