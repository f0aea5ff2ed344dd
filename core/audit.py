"""The audit trail: one line on logger `lograph.audit` for every delete, rule change and key
change, naming the key that made it."""

from __future__ import annotations

import logging

from core.access import Caller

logger = logging.getLogger("lograph.audit")


def record(caller: Caller, action: str, subject: str) -> None:
    """`audit: <action> <subject> by <key>`, with the same fields as `extra` for JSON logs."""
    fields = {"action": action, "subject": subject, "key": caller.label}
    logger.info("audit: %s %s by %s", action, subject, caller.label, extra={"audit": fields})
