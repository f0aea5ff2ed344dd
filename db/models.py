"""Table definitions: the schema the migrations build and the queries read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.dialects import postgresql, sqlite
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


def dialect_insert(connection: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """INSERT with ON CONFLICT, which both backends spell the same way."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def as_utc(value: datetime) -> datetime:
    """Read a naive datetime as UTC; convert an aware one to UTC."""
    tzinfo = value.tzinfo
    if tzinfo is UTC:  # as stored instants arrive: nothing to convert
        return value
    if tzinfo is None:
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
    # PostgreSQL only (migration 0005): metadata containment, and ILIKE / ~* on the message.
    Index(
        "ix_logs_metadata",
        "metadata",
        postgresql_using="gin",
        postgresql_ops={"metadata": "jsonb_path_ops"},
    ).ddl_if(dialect="postgresql"),
    Index(
        "ix_logs_message_trgm",
        "message",
        postgresql_using="gin",
        postgresql_ops={"message": "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql"),
    Index("ix_logs_tx_id", "tx_id", "id").ddl_if(dialect="postgresql"),
    # Ids are never handed out again (migration 0013), as PostgreSQL's sequence never goes back:
    # a deleted log's id must not name another log, nor a tail cursor resume from it.
    sqlite_autoincrement=True,
    # Partitioned by time on PostgreSQL (migration 0017, db/partitions.py), where the primary
    # key must hold the partition key: (id, timestamp), see _partitioned_primary_key.
    postgresql_partition_by='RANGE ("timestamp")',
)


@compiles(PrimaryKeyConstraint, "postgresql")
def _partitioned_primary_key(constraint: PrimaryKeyConstraint, compiler: Any, **kw: Any) -> str:
    """`logs`'s key on PostgreSQL is (id, timestamp); SQLite keeps `id` alone, the rowid alias
    its AUTOINCREMENT needs. Ids stay unique either way: one sequence hands them out."""
    if constraint.table is logs:
        return 'PRIMARY KEY (id, "timestamp")'
    return str(compiler.visit_primary_key_constraint(constraint, **kw))


event.listen(
    logs,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),  # type: ignore[no-untyped-call]
)


def _counts(name: str, *, keyed: bool, by_service: bool = True) -> Table:
    """Counts of logs per (bucket, level, service), or per (bucket, level) when not
    `by_service`; the rollups are keyed by those."""
    service = [Column("service", String(MAX_SERVICE_LENGTH), primary_key=keyed, nullable=False)]
    return Table(
        name,
        metadata,
        Column("bucket", UTCDateTime(), primary_key=keyed, nullable=False),
        Column("level", String(5), primary_key=keyed, nullable=False),
        *(service if by_service else []),
        Column("count", BigInteger, nullable=False),
    )


# Hourly counts kept by triggers on `logs` (any writer, COPY included), so stats read
# a few thousand rows instead of scanning every log.
log_counts = _counts("log_counts", keyed=True)
# The same per minute, so minute histograms read rollups too (migration 0004).
log_counts_minute = _counts("log_counts_minute", keyed=True)
# Counts per (bucket, level) alone, hourly and per minute (migration 0011), for histograms
# that name no service: a tenth of the rows the per-service rollups hold at 20 services. Kept
# by the fold on PostgreSQL; always empty on SQLite, whose histograms sum the per-service ones.
log_level_counts = _counts("log_level_counts", keyed=True, by_service=False)
log_level_counts_minute = _counts("log_level_counts_minute", keyed=True, by_service=False)
# Counts per minute that writers appended on PostgreSQL and no fold has yet moved into the
# rollups (migration 0010; the level rollups since 0011); negative for deletes. No key:
# appending is all a write does. Readers add these rows in (db/rollups.py). Always empty on
# SQLite, whose triggers keep the rollups themselves.
log_counts_delta = _counts("log_counts_delta", keyed=False)

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
    Column("filter", Text, nullable=True),  # JSON in LogFilter's shape
    Column("condition", String(16), nullable=False, server_default="ABOVE"),
    Column("ratio", Float, nullable=True),
    Column("base_filter", Text, nullable=True),  # JSON in LogFilter's shape
    Column("min_base_count", Integer, nullable=False, server_default="1"),
    Column("lifecycle", Boolean, nullable=False, server_default=false()),
    Column("for_seconds", Integer, nullable=False, server_default="0"),
    Column("group_by", Text, nullable=True),  # JSON list of groupBy entries
    Column("on_new_pattern", Boolean, nullable=False, server_default=false()),
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
    # Rows from before lifecycles are one-shot firings: null here reads as starts_at = fired_at
    # and the labels and fingerprint of an ungrouped rule.
    Column("state", String(8), nullable=False, server_default="FIRING"),
    Column("starts_at", UTCDateTime(), nullable=True),
    Column("ends_at", UTCDateTime(), nullable=True),
    Column("fingerprint", String(16), nullable=True),
    Column("labels", JSONDocument, nullable=True),
    # A new-pattern alert's pattern as it was when it fired: {"id", "service", "template"}.
    Column("pattern", JSONDocument, nullable=True),
    Index("ix_alerts_fired_at", "fired_at", "id"),
    Index("ix_alerts_rule_fired_at", "rule", "fired_at", "id"),
)

# The current state of each open-and-close alert instance (one per rule and fingerprint);
# `version` grows with every change, so a change applies only over the state it was decided on
# and each one is made by one process.
alert_instances = Table(
    "alert_instances",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("rule", String(MAX_RULE_NAME_LENGTH), nullable=False),
    Column("fingerprint", String(16), nullable=False),
    Column("state", String(8), nullable=False),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("group_key", Text, nullable=False),  # JSON list: the group's value per groupBy entry
    UniqueConstraint("rule", "fingerprint", name="uq_alert_instances_rule_fingerprint"),
)

MAX_KEY_NAME_LENGTH = 100

# API keys: only a SHA-256 of each key is kept; the key itself is shown once, at creation.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(MAX_KEY_NAME_LENGTH), nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("scopes", String(64), nullable=False),
    Column("rate_limit_per_second", Float, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_used_at", UTCDateTime(), nullable=True),
    Column("revoked_at", UTCDateTime(), nullable=True),
    UniqueConstraint("name", name="uq_api_keys_name"),
    UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
)

MAX_IDEMPOTENCY_SCOPE_LENGTH = 400

# Requests that carried an Idempotency-Key: claimed while in flight, then the answer to replay.
ingest_requests = Table(
    "ingest_requests",
    metadata,
    Column("scope", String(MAX_IDEMPOTENCY_SCOPE_LENGTH), primary_key=True),
    Column("claimed_at", UTCDateTime(), nullable=False),
    Column("status", Integer, nullable=True),  # null while in flight
    Column("content_type", String(100), nullable=True),
    Column("body", LargeBinary, nullable=True),
    # SHA-256 of the request, hex; null when the first request was answered before its body
    # was read whole (nothing to compare retries with).
    Column("digest", String(64), nullable=True),
    # Which request holds the claim: a holder whose lease lapsed may no longer touch it.
    Column("holder", String(32), nullable=True),
    Index("ix_ingest_requests_claimed_at", "claimed_at"),
)

# Patterns (issue 26): the templates the background miner (core/pattern_miner.py) found, one
# row per Drain cluster of a service; an evicted cluster's row goes, with its assignments.
patterns = Table(
    "patterns",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("service", String(MAX_SERVICE_LENGTH), nullable=False),
    Column("cluster_id", BigInteger, nullable=False),
    Column("template", Text, nullable=False),
    Column("first_seen", UTCDateTime(), nullable=False),
    Column("last_seen", UTCDateTime(), nullable=False),
    UniqueConstraint("service", "cluster_id", name="uq_patterns_service_cluster"),
)
# Which pattern each mined log has: a table of its own, so that writing a log never waits on
# mining and mining never rewrites a log row (an UPDATE would rewrite every index of `logs`).
log_patterns = Table(
    "log_patterns",
    metadata,
    # No foreign key (migration 0017): deleting logs deletes their assignments (db/forget.py).
    Column("log_id", BigInteger, primary_key=True, autoincrement=False),
    Column("pattern_id", BigInteger, nullable=False),
    # The log's own, so that a pattern's logs are read in time order from this table's index
    # (migration 0024, db/pattern_pages.py).
    Column("timestamp", UTCDateTime(), nullable=False),
    Index("ix_log_patterns_pattern_time", "pattern_id", "timestamp", "log_id"),
)


def _pattern_rollup(name: str) -> Table:
    """Logs per (time bucket, pattern, level) that the miner assigned, for counts that read no
    logs: the miner adds as it assigns, a log's delete subtracts (a trigger), an evicted
    pattern's rows go with it; retention forgets whole buckets (db/forget.py)."""
    return Table(
        name,
        metadata,
        Column("bucket", UTCDateTime(), primary_key=True),
        Column("pattern_id", BigInteger, primary_key=True),
        Column("level", String(5), primary_key=True),
        Column("count", BigInteger, nullable=False),
        Index(f"ix_{name}_pattern", "pattern_id", "bucket"),
    )


# Per minute (migration 0019) and per hour (migration 0022): a day reads 24 rows a pattern.
pattern_counts = _pattern_rollup("pattern_counts")
pattern_counts_hourly = _pattern_rollup("pattern_counts_hourly")
# Each service's Drain, as drain3 snapshots it, written with the assignments it made.
pattern_miners = Table(
    "pattern_miners",
    metadata,
    Column("service", String(MAX_SERVICE_LENGTH), primary_key=True),
    Column("state", LargeBinary, nullable=False),
)
# Each service's place in the logs (tail positions, db/tail.py) and which miner holds its
# lease (migration 0023). Every write moves `version` on, and one made from a stale version is
# refused.
pattern_cursors = Table(
    "pattern_cursors",
    metadata,
    Column("service", String(MAX_SERVICE_LENGTH), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("since", Text, nullable=False),
    Column("upto", Text, nullable=False),
    Column("after_tx", BigInteger, nullable=True),
    Column("after_id", BigInteger, nullable=True),
    Column("owner", String(64), nullable=False),
    Column("lease_until", UTCDateTime(), nullable=False),
)
# How far the logs were looked through for services without a place yet; one row.
pattern_discovery = Table(
    "pattern_discovery",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("since", Text, nullable=False),
)
# The miners alive, so that each takes its share of the services.
pattern_processes = Table(
    "pattern_processes",
    metadata,
    Column("owner", String(64), primary_key=True),
    Column("alive_until", UTCDateTime(), nullable=False),
)

# Retention rules (issue 23, core/retention.py): how long the logs of some services and levels
# are kept. `services` and `levels` are JSON lists, null for all.
retention_rules = Table(
    "retention_rules",
    metadata,
    Column("name", String(MAX_RULE_NAME_LENGTH), primary_key=True),
    Column("services", Text, nullable=True),
    Column("levels", Text, nullable=True),
    Column("days", Integer, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
