"""Alembic entry point: runs on the app's connection when handed one, else on settings' URL."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from db.engine import make_engine
from db.models import metadata
from settings import get_settings

config = context.config
target_metadata = metadata


def run_offline() -> None:
    """Emit the SQL for `alembic upgrade --sql` without a database."""
    url = get_settings().database_url
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_on(connection: Connection) -> None:
    """Migrate on a live connection; a caller's open transaction stays the caller's to commit."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Use the connection the app passed in, or open one from settings (the CLI)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = make_engine(get_settings().database_url)
    with engine.connect() as own_connection:
        run_on(own_connection)
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
