"""Errors the resolvers raise on purpose, each with the code clients switch on."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from db.engine import DatabaseUnavailable

logger = logging.getLogger("lograph.graphql")


class ResolverError(Exception):
    """An expected failure: its message is safe to show to clients."""

    code = "INTERNAL"

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code}


class UserInputError(ResolverError):
    """Input that breaks a rule; names the field (and the item for lists)."""

    code = "BAD_USER_INPUT"

    def __init__(self, field: str, reason: str, *, index: int | None = None) -> None:
        self.field = field
        self.reason = reason
        self.index = index
        where = field if index is None else f"[{index}].{field}"
        super().__init__(f"{where}: {reason}")

    @property
    def extensions(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {"code": self.code, "field": self.field}
        if self.index is not None:
            extensions["index"] = self.index
        return extensions


class TooLargeError(UserInputError):
    """A request over a size limit (HTTP 413 on REST)."""


class NotFoundError(ResolverError):
    code = "NOT_FOUND"


def assign_code(error: GraphQLError) -> None:
    """Give the error its code; hide unexpected ones behind a bare message and log them."""
    original = error.original_error
    if isinstance(original, ResolverError) or "code" in (error.extensions or {}):
        return
    if error.path is None:
        # Parse, validation and variable errors: the client's document or variables.
        code = "BAD_USER_INPUT"
    elif isinstance(original, DatabaseUnavailable):
        logger.error("database unavailable at %s: %s", error.path, original)
        code, error.message = "SERVICE_UNAVAILABLE", "Service unavailable"
    else:
        logger.error("unexpected error at %s", error.path, exc_info=original)
        code, error.message = "INTERNAL", "Internal server error"
    error.original_error = None
    error.extensions = {**(error.extensions or {}), "code": code}


class CodedSchema(strawberry.Schema):
    """A schema whose every error carries `extensions.code` and leaks no internals."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry calls this once for every error list, before the response is built.
        for error in errors:
            assign_code(error)
