"""Start-up failures as one line naming the setting and the reason, never a traceback."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.exceptions import AuthenticationError, AuthorizationError, RedisError, ResponseError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.keys import KeyRing
from db.replicas import shown_url
from settings import ConfigError, Settings, env_file
from settings_checks import ignored_environment, ignored_keys
from ui import missing_assets

logger = logging.getLogger("lograph.startup")
UVICORN_STARTUP_FAILED = "Application startup failed. Exiting."
CREATE_KEY_COMMAND = "python -m ops.keys create --name NAME --scope ADMIN"  # ops/keys.py


class StartupError(Exception):
    """A resource named by a setting cannot be used; the message is the one line to show."""


def safe_database_url(url: str) -> str:
    """The URL to show operators: backend, user, host, port and database, never the password."""
    try:
        return shown_url(url)
    except (SQLAlchemyError, ValueError):
        return "(unparsable URL)"


def _reason(error: BaseException) -> str:
    """The driver's own first line (psycopg2 and sqlite3 say it best), whitespace collapsed."""
    detail = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = [line.strip() for line in str(detail).splitlines() if line.strip()]
    return re.sub(r"\s+", " ", lines[0]) if lines else type(detail).__name__


@contextmanager
def database_setting(url: str) -> Iterator[None]:
    """Turn a failure to open or migrate the database into a StartupError naming DATABASE_URL."""
    try:
        yield
    except (SQLAlchemyError, OSError, ValueError) as error:
        logger.debug("database start-up failure", exc_info=error)
        message = f"lograph: cannot use DATABASE_URL {safe_database_url(url)}: {_reason(error)}"
        raise StartupError(message) from error


async def check_redis_setting(url: str | None, *, required: bool = False) -> None:
    """Refuse a Redis that answers but will not serve us (a wrong password, no such database).

    One that does not answer is no error unless REDIS_REQUIRED: each process falls back to
    working alone and reconnects.
    """
    if url is None:
        return
    client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    try:
        await client.ping()
    except (AuthenticationError, AuthorizationError, ResponseError) as error:
        logger.debug("Redis start-up failure", exc_info=error)
        message = f"lograph: cannot use REDIS_URL {safe_redis_url(url)}: {_reason(error)}"
        raise StartupError(message) from error
    except (RedisError, OSError) as error:
        if required:
            logger.debug("Redis start-up failure", exc_info=error)
            message = (
                f"lograph: cannot reach REDIS_URL {safe_redis_url(url)} "
                f"(REDIS_REQUIRED is true): {_reason(error)}"
            )
            raise StartupError(message) from error
        # Down for now: the broker logs it and each process works alone until it is back.
    finally:
        await client.aclose()


async def check_auth_setting(keys: KeyRing) -> None:
    """Refuse a start that no caller could ever use, saying how to let one in."""
    if await keys.locked_out():
        raise StartupError(
            "lograph: AUTH_REQUIRED is true, but ADMIN_API_KEY is unset and no API key exists: "
            f"set ADMIN_API_KEY, or create a key with `{CREATE_KEY_COMMAND}`"
        )


class StartupFailureMiddleware:
    """Report a StartupError or ConfigError from the lifespan as its one line.

    Starlette hands the server the whole traceback of a failed start, and uvicorn prints it;
    for failures we expected, the server gets our line instead (the traceback stays at debug
    level), and uvicorn exits non-zero as for any failed start.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold_startup_failure(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed":
                held.append(message)
            else:
                await send(message)

        try:
            await self.app(scope, receive, hold_startup_failure)
        except BaseException as error:
            if held:
                await send(_startup_failed(held[0], error))
            raise


def _startup_failed(message: Message, error: BaseException) -> Message:
    if not isinstance(error, StartupError | ConfigError):
        return message
    logger.debug("start-up failed", exc_info=error)
    logging.getLogger("uvicorn.error").addFilter(_without_uvicorn_epilogue)
    return {"type": "lifespan.startup.failed", "message": str(error)}


def _without_uvicorn_epilogue(record: logging.LogRecord) -> bool:
    """uvicorn follows our line with its own; ours has said why, and the exit code says that
    the start failed, so the one line stays one."""
    return record.getMessage() != UVICORN_STARTUP_FAILED


def safe_redis_url(url: str) -> str:
    """A Redis URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}@" if parts.username else ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}{port}"))


def startup_summary(settings: Settings, *, version: str) -> str:
    """The one line an operator reads to know what this process serves and shares."""
    if settings.redis_url:
        shared = (
            f"Redis {safe_redis_url(settings.redis_url)} "
            "(alerts claimed once and fanned out across processes)"
        )
    else:
        shared = "in-process (no REDIS_URL: alert claims and subscriptions are this process's own)"
    alerts = (
        f"on, checked every {settings.alert_check_interval_seconds:g} s"
        if settings.enable_alerts
        else "off (ENABLE_ALERTS=false)"
    )
    keys = "required" if settings.auth_required else "optional (AUTH_REQUIRED=false)"
    kept = (
        "keep forever (no RETENTION_DAYS)"
        if settings.retention_days is None
        else f"{settings.retention_days} days"
    )
    return (
        f"lograph {version} started: database {safe_database_url(settings.database_url)}; "
        f"{_replicas(settings)}; shared state {shared}; alerts {alerts}; API keys {keys}; "
        f"retention default {kept}, applied every {settings.retention_interval_seconds:g} s"
    )


def _replicas(settings: Settings) -> str:
    """Which replicas serve reads, named without their passwords."""
    if not settings.database_replica_urls:
        return "read replicas none (the primary serves every read)"
    names = ", ".join(safe_database_url(url) for url in settings.database_replica_urls)
    return (
        f"read replicas {names} (skipped when down or over "
        f"{settings.replica_max_lag_seconds:g} s behind; a read waits up to "
        f"{settings.replica_wait_seconds:g} s for one to replay the writes before it)"
    )


def log_startup(settings: Settings, *, version: str) -> None:
    """The start-up line; warnings for ignored `.env` keys or environment names and blank
    browser pages."""
    logger.info("%s", startup_summary(settings, version=version))
    unread = ignored_keys(env_file(), Settings.model_fields)
    for warning in [*unread, *ignored_environment(os.environ, Settings.model_fields)]:
        logger.warning("%s", warning)
    missing = missing_assets()
    if missing:
        logger.warning(
            "lograph: /graphql, /docs and /redoc lack %s in ui/node_modules: run `make setup`",
            ", ".join(missing),
        )
