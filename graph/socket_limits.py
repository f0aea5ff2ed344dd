"""Subscription protocols with our limits (on top of the key checks in `graph.sockets`): a prompt
handshake, operations checked (and counted against the caller's rate limit) as they arrive."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from graphql import GraphQLFormattedError

from core.errors import UserInputError
from graph import sockets
from graph.limits import check_operation
from internals.strawberry import (
    ErrorMessage,
    LegacyErrorMessage,
    Message,
    OperationMessage,
    StartMessage,
    SubscribeMessage,
)

# A socket that has not sent `connection_init` by then is closed (4408).
CONNECTION_INIT_TIMEOUT = timedelta(seconds=5)
MAX_SUBSCRIPTIONS_PER_CONNECTION = 20
# Ids are echoed in every answer and in close reasons, which may not exceed 123 bytes.
MAX_ID_LENGTH = 64


def message_problem(message: object) -> str | None:
    """Why a protocol message cannot be handled, or None when it can."""
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return "A message must be a JSON object with a `type` string"
    if "id" in message and not (
        isinstance(message["id"], str) and len(message["id"]) <= MAX_ID_LENGTH
    ):
        return f"A message's `id` must be a string of at most {MAX_ID_LENGTH} characters"
    if message["type"] in ("subscribe", "start", "stop", "complete") and "id" not in message:
        return "An operation message needs an `id`"
    return None


def operation_error(payload: object) -> GraphQLFormattedError | None:
    """The error to answer a subscribe payload with, or None when it may run."""
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return refusal("The payload must be an object with a `query` string")
    variables = payload.get("variables")
    if not isinstance(variables, dict | None):
        return refusal("`variables` must be an object or null")
    try:
        check_operation(payload["query"], variables)
    except UserInputError as error:
        return GraphQLFormattedError(message=str(error), extensions=error.extensions)
    return None


def over_the_cap(operations: int) -> GraphQLFormattedError | None:
    """The error for one operation more than a connection may run, or None."""
    if operations < MAX_SUBSCRIPTIONS_PER_CONNECTION:
        return None
    return refusal(f"At most {MAX_SUBSCRIPTIONS_PER_CONNECTION} operations per connection")


def refusal(message: str) -> GraphQLFormattedError:
    return GraphQLFormattedError(message=message, extensions={"code": "BAD_USER_INPUT"})


class TransportWSHandler(sockets.TransportWSHandler):
    """graphql-transport-ws, refusing oversized operations before they are parsed."""

    async def handle_message(self, message: Message) -> None:
        problem = message_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)  # closes with 4400, as the protocol says
            return
        await super().handle_message(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        error = operation_error(message.get("payload"))
        if error is None and message["id"] not in self.operations:
            error = over_the_cap(len(self.operations))
        if error is None and self.connection_acknowledged:
            error = await sockets.rate_refusal(self.context)
        if error is not None and self.connection_acknowledged:
            await self.send_message(ErrorMessage(id=message["id"], type="error", payload=[error]))
            return
        await super().handle_subscribe(message)


class LegacyWSHandler(sockets.LegacyWSHandler):
    """graphql-ws (subscriptions-transport-ws), with the handshake timeout the newer one has."""

    async def handle(self) -> None:
        timeout = asyncio.create_task(self._close_unless_initialised())
        try:
            await super().handle()
        finally:
            timeout.cancel()

    async def _close_unless_initialised(self) -> None:
        await asyncio.sleep(CONNECTION_INIT_TIMEOUT.total_seconds())
        if not self.connection_acknowledged:
            await self.websocket.close(code=4408, reason="Connection initialisation timeout")

    async def handle_message(self, message: OperationMessage) -> None:
        problem = message_problem(message)
        if problem is not None:
            await self.websocket.close(code=4400, reason=problem)
            return
        await super().handle_message(message)

    async def handle_start(self, message: StartMessage) -> None:
        error = operation_error(message.get("payload"))
        if error is None and message["id"] not in self.tasks:
            error = over_the_cap(len(self.tasks))
        if error is None and self.connection_acknowledged:
            error = await sockets.rate_refusal(self.context)
        if error is not None and self.connection_acknowledged:
            await self.send_message(
                LegacyErrorMessage(type="error", id=message["id"], payload=error)
            )
            return
        await super().handle_start(message)
