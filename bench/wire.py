"""A minimal keep-alive HTTP/1.1 client, so the load generator costs the shared CPU little.

httpx spends about 1 ms of CPU per request here: at concurrency 8 it saturates a core at about
1,200 requests/s against `/healthz`, which would cap what the benchmark can see of the server.
This client writes pre-encoded requests and reads `Content-Length` framed answers, which is all
uvicorn sends for these endpoints.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

HOST = "127.0.0.1"
_LENGTH = b"\r\ncontent-length:"


class ProtocolError(RuntimeError):
    """The server answered in a way this client does not read (e.g. a chunked body)."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes


def encode_request(method: str, path: str, body: bytes | None) -> bytes:
    """The bytes of one HTTP/1.1 request to the loopback server."""
    head = f"{method} {path} HTTP/1.1\r\nhost: {HOST}\r\n"
    if body is not None:
        head += f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
    return (head + "\r\n").encode() + (body or b"")


class Connection:
    """One persistent connection; requests on it go strictly one after another."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    async def exchange(self, request: bytes) -> Answer:
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        body = await self._reader.readexactly(_content_length(head))
        return Answer(int(head[9:12]), body)

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()


def _content_length(head: bytes) -> int:
    lowered = head.lower()
    start = lowered.find(_LENGTH)
    if start < 0:
        raise ProtocolError(f"answer without content-length: {head[:200]!r}")
    end = lowered.index(b"\r\n", start + len(_LENGTH))
    return int(lowered[start + len(_LENGTH) : end])
