"""uvicorn's httptools protocol, with the bounds it lacks on a request's head and body.

uvicorn has no time limit for a client that never finishes its headers or its body (a
trickle, or a connection that sends nothing), and httptools no size limit on the headers:
each would hold a connection, and its memory, for as long as the client likes. Served with
`uvicorn --http ops.protocol:GuardedHttpToolsProtocol`, a head must arrive whole within
HEAD_TIMEOUT_SECONDS of its first byte (or of the connection) and within MAX_HEAD_BYTES, else
the client gets 408 or 431 and the connection is closed. A body must keep coming: it is due
whole BODY_GRACE_SECONDS after its head, plus a second for every MIN_BODY_BYTES_PER_SECOND
received (so a large upload at a modest rate passes, a trickle does not), else 408 and the
connection closed. Time when the server itself stops reading (flow control, pipelining) is
not held against the client.
"""

from __future__ import annotations

import asyncio
from asyncio import TimerHandle
from typing import Any

from internals.uvicorn import HttpToolsProtocol, should_upgrade

HEAD_TIMEOUT_SECONDS = 10.0
MAX_HEAD_BYTES = 64 * 1024
BODY_GRACE_SECONDS = 10.0
MIN_BODY_BYTES_PER_SECOND = 16 * 1024
_REFUSALS = {
    408: b"HTTP/1.1 408 Request Timeout\r\n",
    431: b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
}


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_deadline: TimerHandle | None = None
        self._head_bytes = 0
        self._body_deadline: TimerHandle | None = None
        self._body_started = 0.0
        self._body_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._end_head()
        self._end_body()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Only a head counts towards MAX_HEAD_BYTES: while one is unfinished the parser is fed
        no more than its room, so a body read along with the head (a client's first write,
        often) is never taken for head."""
        while self._head_deadline is not None and data:
            room = MAX_HEAD_BYTES - self._head_bytes
            if room <= 0:
                self._refuse(431)
                return
            piece, data = data[:room], data[room:]
            self._head_bytes += len(piece)
            super().data_received(piece)
            if self.transport.is_closing() or self.transport.get_protocol() is not self:
                return  # refused, or upgraded to a WebSocket, which reads on by itself
        if data:
            super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_deadline is None:  # the next request on a kept-alive connection
            self._start_head()

    def on_headers_complete(self) -> None:
        self._end_head()
        upgrading = should_upgrade(self)
        super().on_headers_complete()
        if not upgrading:  # ended by on_message_complete, at once for a request without body
            self._body_started = self.loop.time()
            self._body_bytes = 0
            self._body_deadline = self.loop.call_later(BODY_GRACE_SECONDS, self._check_body)

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._end_body()
        super().on_message_complete()

    def _start_head(self) -> None:
        self._head_bytes = 0
        self._head_deadline = self.loop.call_later(HEAD_TIMEOUT_SECONDS, self._refuse, 408)

    def _end_head(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _check_body(self) -> None:
        self._body_deadline = None
        if self.flow.read_paused:  # the server is not reading: the client is not late
            self._body_started = self.loop.time()
            self._body_bytes = 0
        due = self._body_started + BODY_GRACE_SECONDS
        due += self._body_bytes / MIN_BODY_BYTES_PER_SECOND
        if self.loop.time() < due:
            self._body_deadline = self.loop.call_at(due, self._check_body)
        elif self.cycle is not None and self.cycle.response_started:
            self.transport.close()  # the app answered without the body: just end it
        else:
            self._refuse(408)

    def _end_body(self) -> None:
        if self._body_deadline is not None:
            self._body_deadline.cancel()
            self._body_deadline = None

    def _refuse(self, status: int) -> None:
        self._end_head()
        self._end_body()
        if self.transport.is_closing():
            return
        self.transport.write(_REFUSALS[status] + b"content-length: 0\r\nconnection: close\r\n\r\n")
        self.transport.close()
