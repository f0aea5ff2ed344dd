"""A bench database loaded once and measured again (`--database NAME`): what was loaded is
written in the database's comment, so that a later run aims at the same incident hour."""

from __future__ import annotations

import json
from contextlib import closing
from datetime import datetime

from bench.corpus import Corpus, plan_chunks
from testing.database import ScratchDatabase


def recorded_corpus(database: ScratchDatabase) -> Corpus | None:
    """The corpus a run loaded into the database, None when none was."""
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (database.name,),
        )
        (comment,) = cursor.fetchone()
    if not comment or not comment.startswith("{"):
        return None
    loaded = json.loads(comment)
    start, end = (datetime.fromisoformat(loaded[key]) for key in ("start", "end"))
    return plan_chunks(int(loaded["rows"]), start, end)[1]


def record_corpus(database: ScratchDatabase, corpus: Corpus) -> None:
    """Note in the database what was loaded into it."""
    text = json.dumps(
        {"rows": corpus.rows, "start": corpus.start.isoformat(), "end": corpus.end.isoformat()}
    )
    with closing(database.connect()) as connection, connection.cursor() as cursor:
        cursor.execute(f'COMMENT ON DATABASE "{database.name}" IS %s', (text,))
        connection.commit()
