"""Strawberry's per-request context: the app's runtime and the caller, reached from every field."""

from __future__ import annotations

from functools import partial

from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from core.access import Caller
from core.callers import get_caller
from core.errors import ResolverError
from core.patterns import Pattern, patterns_of_logs
from core.runtime import Runtime, get_runtime


class Context(BaseContext):
    def __init__(
        self, runtime: Runtime, *, caller: Caller | None, refusal: ResolverError | None
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self.caller = caller
        self.refusal = refusal  # why the caller may do nothing (no key, unknown key, rate limit)
        self._log_patterns: DataLoader[int, Pattern | None] | None = None

    @property
    def log_patterns(self) -> DataLoader[int, Pattern | None]:
        """Log id to its pattern, batched over the request; not cached, as a WebSocket's
        context outlives the moment a log gets its pattern."""
        if self._log_patterns is None:
            load = partial(patterns_of_logs, self.runtime)
            self._log_patterns = DataLoader(load, cache=False)
        return self._log_patterns

    def admit(self, caller: Caller, credential: str | None = None) -> None:
        self.caller, self.refusal = caller, None
        # On a WebSocket, the context lives as long as the connection.
        self.live_tails = 0
        self.credential = credential  # re-checked while the socket is open


async def get_context(connection: HTTPConnection) -> Context:
    """Who is calling, decided once per request; a WebSocket decides again on connection_init."""
    runtime = get_runtime(connection)
    if isinstance(connection, WebSocket):
        return Context(runtime, caller=None, refusal=None)
    try:
        caller = await get_caller(connection)
    except ResolverError as refusal:
        return Context(runtime, caller=None, refusal=refusal)
    return Context(runtime, caller=caller, refusal=None)
