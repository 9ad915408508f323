"""The migrations build exactly the schema the models describe, and round-trip."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.migrate import downgrade, upgrade
from storage.models import Base
from tests.conftest import POSTGRES_URL

SCHEMA = "migration_check"


@pytest.fixture
async def migration_url(tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of its own: a SQLite file, or a fresh schema on PostgreSQL."""
    if not POSTGRES_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
        return
    admin = create_async_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        await conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    joiner = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{joiner}options=-csearch_path%3D{SCHEMA}"
    async with admin.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    await admin.dispose()


def _engine(url: str) -> AsyncEngine:
    if url.startswith("postgresql") and "options=" in url:
        base = url.split("?", 1)[0]
        return create_async_engine(base, connect_args={"server_settings": {"search_path": SCHEMA}})
    return create_async_engine(url)


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "target_metadata": Base.metadata}
    )
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def _inspect(url: str) -> tuple[list[Any], set[str]]:
    engine = _engine(url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
            tables = await conn.run_sync(_tables)
    finally:
        await engine.dispose()
    return diff, tables


async def test_upgrade_head_matches_the_models(migration_url: str) -> None:
    await _migrate(migration_url, "upgrade")
    diff, tables = await _inspect(migration_url)
    assert diff == [], f"models and migrations differ: {diff}"
    assert tables == set(Base.metadata.tables)


async def test_downgrade_then_upgrade_round_trips(migration_url: str) -> None:
    await _migrate(migration_url, "upgrade")
    await _migrate(migration_url, "downgrade")
    _diff_after_down, tables = await _inspect(migration_url)
    assert tables == set()
    await _migrate(migration_url, "upgrade")
    diff, tables = await _inspect(migration_url)
    assert diff == []
    assert tables == set(Base.metadata.tables)


async def _migrate(url: str, action: str) -> None:
    if url.startswith("postgresql"):
        # Run Alembic on a connection whose search path is the test schema.
        from alembic import command

        from storage.migrate import alembic_config

        engine = _engine(url)
        async with engine.connect() as conn:

            def _apply(sync_conn: Connection) -> None:
                config = alembic_config()
                config.attributes["connection"] = sync_conn
                if action == "upgrade":
                    command.upgrade(config, "head")
                else:
                    command.downgrade(config, "base")

            await conn.run_sync(_apply)
            await conn.commit()
        await engine.dispose()
    elif action == "upgrade":
        await upgrade(url)
    else:
        await downgrade(url)


@pytest.mark.skipif(not POSTGRES_URL, reason="several processes share a database on PostgreSQL")
async def test_workers_starting_together_on_an_empty_database_all_migrate() -> None:
    """Three workers start at once on an empty PostgreSQL database: each runs the real
    ``upgrade`` (the start-up path) and none fails; the schema ends up exactly at head."""
    assert POSTGRES_URL
    base, _, _name = POSTGRES_URL.split("?", 1)[0].rpartition("/")
    race_db = "spotter_start_race"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {race_db} WITH (FORCE)"))
            await conn.execute(text(f"CREATE DATABASE {race_db}"))
        url = f"{base}/{race_db}"
        await asyncio.gather(*(upgrade(url) for _ in range(3)))
        diff, tables = await _inspect(url)
        assert diff == []
        assert tables == set(Base.metadata.tables)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {race_db} WITH (FORCE)"))
        await admin.dispose()
