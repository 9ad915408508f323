"""Alembic environment: async, batch mode for SQLite, models' metadata as the target.

The URL comes from, in order: a connection handed over by ``storage.migrate``, the
``sqlalchemy.url`` option, or the ``DATABASE_URL`` setting (environment or .env).
"""

from __future__ import annotations

import asyncio

from alembic import context
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import Connection

from storage.db import DEFAULT_DATABASE_URL, create_null_pool_engine
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    has_ini = config.file_config.has_section(config.config_ini_section)
    url = config.get_main_option("sqlalchemy.url") if has_ini else None
    if url:
        return url
    return _DatabaseSettings().database_url


class _DatabaseSettings(BaseSettings):
    """``DATABASE_URL`` from the environment or ``.env``, as the bot reads it, for running
    Alembic by hand; the bot itself passes its URL in (:mod:`storage.migrate`)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")
    database_url: str = DEFAULT_DATABASE_URL


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=False,
    )


def do_run_migrations(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_null_pool_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
        await connection.commit()
    await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
    else:
        asyncio.run(run_async_migrations())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
