"""Bring a database to the newest schema with Alembic, from code (start-up and tests).

Several bot processes may start at once on one PostgreSQL database. Each migrates inside one
transaction that first takes a transaction-level advisory lock, so they migrate one after
another: the first brings the schema up to date, the others then find it at head and change
nothing. (Two concurrent ``CREATE TABLE``s would otherwise collide in PostgreSQL's catalogue.)
"""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.db import create_null_pool_engine

MIGRATION_LOCK = 0x5370_6F74_7465_72  # "Spotter" as a bigint: the advisory lock's key


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (works when installed)."""
    config = Config()
    config.set_main_option("script_location", str(files("storage") / "migrations"))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def _run(url: str, action: str, revision: str) -> None:
    engine = create_null_pool_engine(url)
    try:
        async with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )

            def _apply(sync_connection: Connection) -> None:
                config = alembic_config(url)
                config.attributes["connection"] = sync_connection
                if action == "upgrade":
                    command.upgrade(config, revision)
                else:
                    command.downgrade(config, revision)

            await connection.run_sync(_apply)
            await connection.commit()
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    """Apply every migration up to ``revision``."""
    await _run(url, "upgrade", revision)


async def downgrade(url: str, revision: str = "base") -> None:
    """Revert migrations down to ``revision``."""
    await _run(url, "downgrade", revision)
