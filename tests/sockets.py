"""Reading a real server's GraphQL WebSocket from tests."""

from __future__ import annotations

import json
import time
from typing import Any

from websockets.sync.client import ClientConnection


def next_message(socket: ClientConnection, *, timeout: float) -> dict[str, Any] | None:
    """The next protocol message other than a keep-alive, or None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            text = socket.recv(timeout=max(deadline - time.monotonic(), 0))
        except TimeoutError:
            return None
        message: dict[str, Any] = json.loads(text)
        if message["type"] != "ka":
            return message
