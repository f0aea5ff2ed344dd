"""Configuration read once from the environment and `.env`."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv6Address
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from settings_checks import (
    REDIS_SCHEMES,
    WEBHOOK_SCHEMES,
    check_masks,
    check_url_scheme,
    parse_origins,
    parse_replica_urls,
)

DEFAULT_DATABASE_URL = "sqlite:///./lograph.db"
# The pattern miner's masks, applied in this order, each to what the ones before left: quoted
# strings and addresses first, so that the numbers inside them do not become <NUM> on their own.
DEFAULT_PATTERN_MASKS: dict[str, str] = {
    "QUOTED": r"\"[^\"]*\"|'[^']*'",
    "EMAIL": r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b",
    "UUID": r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
    "IP": r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\b(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{1,4}\b",
    "DURATION": r"\b\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)\b",
    "HEX": r"\b0[xX][0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b",
    "NUM": r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?![\w.])",
}
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


class ConfigError(SystemExit):
    """Start-up refusal carrying one line that names the offending variable."""


class Settings(BaseSettings):
    """Every knob lograph reads; names match the predecessor's `.env` files."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = DEFAULT_DATABASE_URL
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    enable_alerts: bool = True
    redis_url: str | None = None
    redis_required: bool = False
    alert_rules_file: str | None = None
    alert_webhook_url: str | None = None
    alert_webhook_format: Literal["lograph", "alertmanager", "slack"] = "lograph"
    external_url: str = "http://localhost:8000"  # how receivers link back to lograph
    alertmanager_url: str | None = None
    alert_check_interval_seconds: float = Field(default=5.0, gt=0)
    auth_required: bool = False
    admin_api_key: str | None = Field(default=None, min_length=16, max_length=200)
    rate_limit_per_second: float = Field(default=0.0, ge=0)
    auth_failures_per_second: float = Field(default=10.0, ge=0)
    metrics_public: bool = True
    log_format: Literal["text", "json"] = "text"
    access_log: bool = True
    statement_timeout_seconds: float = Field(default=10.0, ge=0)
    database_wait_seconds: float = Field(default=15.0, gt=0)
    database_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    # Streaming replicas that serve reads (docs/replicas.md); empty: the primary serves all.
    database_replica_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    replica_max_lag_seconds: float = Field(default=5.0, gt=0)
    replica_wait_seconds: float = Field(default=0.1, ge=0, le=10)
    # Empty means the default: the loopback names and the host of each CORS origin.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_websockets: int = Field(default=500, ge=1)
    tail_queue_batches: int = Field(default=512, ge=1)
    idempotency_lease_seconds: float = Field(default=60.0, gt=0)
    tail_queue_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    enable_patterns: bool = True
    pattern_masks: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_PATTERN_MASKS))
    pattern_max_per_service: int = Field(default=1000, ge=1, le=100_000)
    pattern_max_line_chars: int = Field(default=2000, ge=1)
    pattern_max_tokens: int = Field(default=100, ge=1)
    pattern_mine_interval_seconds: float = Field(default=1.0, gt=0)
    pattern_lease_seconds: float = Field(default=10.0, gt=0)
    # The miner process's CPU priority (os.nice): ingest first when the cores are busy.
    pattern_miner_nice: int = Field(default=10, ge=0, le=19)
    # Retention (docs/storage.md): days logs no rule matches are kept (unset: forever), and how
    # often maintenance applies the rules and creates partitions ahead.
    retention_days: int | None = Field(default=None, ge=1, le=1_000_000)
    retention_interval_seconds: float = Field(default=3600.0, gt=0)
    # The shortcuts past the frameworks (docs/fast-path.md); false runs the frameworks alone.
    graphql_fast_path: bool = True
    rest_fast_path: bool = True
    database_fast_path: bool = True

    @model_validator(mode="before")
    @classmethod
    def _unwrap_values(cls, data: Any) -> Any:
        """Old `.env` files quote or pad values; take what is inside."""
        if not isinstance(data, dict):
            return data
        return {key: _unwrap(value) for key, value in data.items()}

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        return parse_origins(value)

    @field_validator("database_replica_urls", mode="before")
    @classmethod
    def _split_replica_urls(cls, value: Any) -> Any:
        return parse_replica_urls(value)

    @field_validator("database_replica_urls")
    @classmethod
    def _replicas_of_postgres(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if value and not str(info.data.get("database_url", "")).startswith("postgresql"):
            raise ValueError("replicas need a PostgreSQL DATABASE_URL")
        return value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            return [host_pattern(host) for host in value if str(host).strip()]
        return value

    @model_validator(mode="after")
    def _default_hosts(self) -> Settings:
        if not self.allowed_hosts:
            origins = [urlsplit(origin).hostname for origin in self.cors_origins]
            hosts = [*LOOPBACK_HOSTS, *(host_pattern(host) for host in origins if host)]
            self.allowed_hosts = list(dict.fromkeys(hosts))
        return self

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator(
        "redis_url",
        "alert_rules_file",
        "alert_webhook_url",
        "alertmanager_url",
        "admin_api_key",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return value or None

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        return check_url_scheme(value, REDIS_SCHEMES)

    @field_validator("pattern_masks")
    @classmethod
    def _check_pattern_masks(cls, value: dict[str, str]) -> dict[str, str]:
        return check_masks(value)

    @field_validator("alert_webhook_url", "alertmanager_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        return check_url_scheme(value, WEBHOOK_SCHEMES)


def _unwrap(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1].strip()
    return value


def host_pattern(host: str) -> str:
    """A Host header value to accept: a name, an IP address (IPv6 in brackets, as the header
    has it), `*.example.com` for subdomains, or `*` for any."""
    host = str(host).strip().lower().rstrip(".")
    if host == "*" or (host.startswith("*.") and "*" not in host[2:]):
        return host
    bare = host.removeprefix("[").removesuffix("]")
    if ":" in bare:
        try:
            return f"[{IPv6Address(bare)}]"
        except ValueError:
            raise ValueError(f"{host!r} is not a host name (leave out the port)") from None
    if not bare or "*" in bare or any(char in bare for char in "/@ "):
        raise ValueError(f"{host!r} is not a host name")
    return bare


def normalise_database_url(url: str) -> str:
    """Pin plain PostgreSQL URLs (as legacy `.env` files have them) to psycopg2."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url.removeprefix(prefix)
    if not url.startswith(("sqlite:", "postgresql+")):
        raise ValueError("must be a sqlite:// or postgresql:// URL")
    return url


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning a bad value into one line naming the variable."""
    try:
        settings = Settings(**overrides)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"lograph: cannot read {env_file()}: {exc}") from None
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        reason = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"lograph: invalid {name}: {reason}") from None
    return settings


def env_file() -> Path:
    """The `.env` file settings are read from (in the working directory)."""
    return Path(str(Settings.model_config.get("env_file") or ".env"))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()
