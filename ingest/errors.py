"""The one failure an ingest path raises for the client: an HTTP status and a reason."""

from __future__ import annotations

from typing import Any


class IngestError(Exception):
    """A request refused as a whole (400, 413, 415, 422...); the reason is safe to show."""

    def __init__(self, status: int, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.details = details


def bad_request(reason: str) -> IngestError:
    """A body that is not what the protocol says (400)."""
    return IngestError(400, reason)


def too_large(reason: str) -> IngestError:
    """A request over one of the limits (413)."""
    return IngestError(413, reason)
