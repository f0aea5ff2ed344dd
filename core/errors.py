"""Errors the resolvers raise on purpose; each surface maps them to its own status or code."""

from __future__ import annotations

from typing import Any


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
