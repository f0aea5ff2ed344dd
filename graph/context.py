"""Strawberry's per-request context: the app's runtime, reached from every field."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from strawberry.fastapi import BaseContext

from core.runtime import Runtime, get_runtime


class Context(BaseContext):
    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime
        self.live_tails = 0  # on a WebSocket, the context lives as long as the connection


async def get_context(connection: HTTPConnection) -> Context:
    return Context(get_runtime(connection))
