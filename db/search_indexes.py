"""Whether PostgreSQL can answer text filters from the trigram index (migration 0005)."""

from __future__ import annotations

import logging

from sqlalchemy import Engine, text

logger = logging.getLogger("lograph.db")

TRIGRAM_INDEX = "ix_logs_message_trgm"
_ADVICE = (
    "messageContains and messageMatches scan the logs table: the trigram index %s is missing "
    "(pg_trgm could not be created). As a privileged user: CREATE EXTENSION pg_trgm; "
    "CREATE INDEX CONCURRENTLY %s ON logs USING gin (message gin_trgm_ops);"
)


def warn_when_text_search_scans(engine: Engine) -> bool:
    """Log one warning when the index is absent; True when it is there (or not needed)."""
    if engine.dialect.name != "postgresql":
        return True
    with engine.connect() as connection:
        found = connection.execute(text("SELECT to_regclass(:name)"), {"name": TRIGRAM_INDEX})
        present = found.scalar() is not None
    if not present:
        logger.warning(_ADVICE, TRIGRAM_INDEX, TRIGRAM_INDEX)
    return present
