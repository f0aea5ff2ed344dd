"""Table definitions: the schema the migrations build and the queries read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ColumnElement,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.compiler import compiles

from db.levels import Level

metadata = MetaData()


class CurrentTransactionId(ColumnElement[int]):
    """The writing transaction's 64-bit id on PostgreSQL (NULL elsewhere): the live tail's
    commit-order position (see db/tail.py)."""

    type = BigInteger()
    inherit_cache = True


@compiles(CurrentTransactionId, "postgresql")
def _pg_transaction_id(_element: CurrentTransactionId, _compiler: Any, **_kw: Any) -> str:
    return "(pg_current_xact_id()::text::bigint)"


@compiles(CurrentTransactionId)
def _no_transaction_id(_element: CurrentTransactionId, _compiler: Any, **_kw: Any) -> str:
    return "NULL"


MAX_SERVICE_LENGTH = 100
MAX_MESSAGE_BYTES = 64 * 1024


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants in UTC and always hands back zone-aware values (SQLite keeps none)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def as_utc(value: datetime) -> datetime:
    """Read a naive datetime as UTC; convert an aware one to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


JSONDocument = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments a rowid alias, which must be declared INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")

logs = Table(
    "logs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("timestamp", UTCDateTime(), nullable=False),
    Column("level", String(5), nullable=False),
    Column("service", String(MAX_SERVICE_LENGTH), nullable=False),
    Column("message", Text, nullable=False),
    Column("metadata", JSONDocument, nullable=True),
    Column("tx_id", BigInteger, nullable=True, server_default=CurrentTransactionId()),
    CheckConstraint(
        "level IN (" + ", ".join(f"'{level.value}'" for level in Level) + ")",
        name="ck_logs_level",
    ),
    Index("ix_logs_timestamp", "timestamp", "id"),
    Index("ix_logs_service_timestamp", "service", "timestamp", "id"),
    Index("ix_logs_level_timestamp", "level", "timestamp", "id"),
    Index("ix_logs_tx_id", "tx_id", "id").ddl_if(dialect="postgresql"),
)

# Hourly counts kept by triggers on `logs` (any writer, COPY included), so stats read
# a few thousand rows instead of scanning every log.
log_counts = Table(
    "log_counts",
    metadata,
    Column("bucket", UTCDateTime(), primary_key=True),
    Column("level", String(5), primary_key=True),
    Column("service", String(MAX_SERVICE_LENGTH), primary_key=True),
    Column("count", BigInteger, nullable=False),
)

MAX_RULE_NAME_LENGTH = 100

alert_rules = Table(
    "alert_rules",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(MAX_RULE_NAME_LENGTH), nullable=False),
    Column("level", String(5), nullable=True),
    Column("min_level", String(5), nullable=True),
    Column("service", String(MAX_SERVICE_LENGTH), nullable=True),
    Column("message_contains", Text, nullable=True),
    Column("threshold", Integer, nullable=False),
    Column("window_seconds", Integer, nullable=False),
    Column("cooldown_seconds", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("name", name="uq_alert_rules_name"),
)

# One row once the first rules were seeded, so deleting every rule never brings the defaults back.
alert_rules_seeded = Table(
    "alert_rules_seeded",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seeded_at", UTCDateTime(), nullable=False),
    Column("source", Text, nullable=False),
)

# Every fired alert; samples are stored with it so history needs no join with logs.
alert_history = Table(
    "alerts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("rule", String(MAX_RULE_NAME_LENGTH), nullable=False),
    Column("fired_at", UTCDateTime(), nullable=False),
    Column("count", Integer, nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("window_seconds", Integer, nullable=False),
    Column("level", String(5), nullable=True),
    Column("service", String(MAX_SERVICE_LENGTH), nullable=True),
    Column("samples", JSONDocument, nullable=False),
    Index("ix_alerts_fired_at", "fired_at", "id"),
    Index("ix_alerts_rule_fired_at", "rule", "fired_at", "id"),
)
