"""What the request lanes share (graph/fast/posts.py, rest/posts.py): telling a JSON POST
apart, reading its body, and handing it on unread.

A lane answers one busy kind of POST past FastAPI's own layers, behind the app's middleware
(main.Lanes says where it sits); whatever it does not take goes on to FastAPI's routes.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive, Scope

from core.errors import TooLargeError

JSON = b"application/json"


def posted_media_type(scope: Scope) -> bytes | None:
    """An HTTP POST's media type, parameters aside and lowercased (b"" without one); None for
    any other request."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type: bytes = value.split(b";", 1)[0].strip().lower()
            return media_type
    return b""


def declared_length(scope: Scope) -> int | None:
    """The Content-Length the client declared; None when absent or not a number."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def read_body(scope: Scope, receive: Receive, *, limit: int) -> bytes:
    """The whole body, refused (413) as soon as its declared or received size passes `limit`;
    ClientDisconnect when the client leaves first."""
    declared = declared_length(scope)
    if declared is not None and declared > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _too_large(limit: int) -> TooLargeError:
    return TooLargeError("body", f"must be at most {limit:,} bytes")


def replayed(body: bytes, receive: Receive) -> Receive:
    """`receive` with the body already read given once more, then the real messages."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
