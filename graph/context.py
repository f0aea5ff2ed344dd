"""What every resolver may use, built once per app and handed to each request."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from strawberry.fastapi import BaseContext

from db.engine import Database

if TYPE_CHECKING:
    from alerts import AlertEngine
    from graph.types import Log

WriteListener = Callable[[Sequence["Log"]], None]


@dataclass
class Services:
    """App-lifetime dependencies shared by GraphQL fields and REST routes."""

    db: Database
    alerts: AlertEngine
    write_listeners: list[WriteListener] = field(default_factory=list)

    def logs_written(self, logs: Sequence[Log]) -> None:
        """The one hook on the write path; listeners must hand work off, not do it here."""
        for listener in self.write_listeners:
            listener(logs)


class Context(BaseContext):
    """Strawberry's per-request context, carrying the app's services."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
