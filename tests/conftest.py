"""Shared fixtures: a migrated database per test, a manual clock, the bot on a fake Bot API.

The suite runs on a SQLite file per test. With ``TEST_DATABASE_URL`` set to a PostgreSQL
database, every database test runs there instead (tables are emptied between tests).
"""

from __future__ import annotations

import asyncio
import os

# PTB 22 warns that RetryAfter.retry_after will become a timedelta; opt in now so the warning
# (an error under this suite's filterwarnings) never fires. The bot does the same at start-up.
os.environ.setdefault("PTB_TIMEDELTA", "true")
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import build_application
from bot.application import SpotterApplication
from bot.config import Settings
from coaching.clock import ManualClock
from coaching.services.base import ServiceContext
from coaching.services.catalogue import sync_builtin_exercises
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import Base
from storage.uow import UnitOfWorkFactory
from tests.fakes.botapi import FakeBotAPI, FakeRequest
from tests.fakes.chat import ChatSimulator

TEST_TOKEN = "123456789:" + "T" * 35
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL") or None
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "process: runs the real entry point as a subprocess")
    config.addinivalue_line(
        "markers", "pg_process: entry-point subprocesses on PostgreSQL (run with the PG suite)"
    )
    config.addinivalue_line(
        "markers", "workers: several worker processes on PostgreSQL (in the PostgreSQL run)"
    )


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per run: a SQLite template file, or the PostgreSQL database itself."""
    if POSTGRES_URL:
        asyncio.run(_reset_postgres(POSTGRES_URL))
        asyncio.run(upgrade(POSTGRES_URL))
        yield POSTGRES_URL
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite+aiosqlite:///{path}"
    asyncio.run(upgrade(url))
    asyncio.run(_seed(url))
    yield str(path)


async def _seed(url: str) -> None:
    """What a started bot has in its database: the built-in exercise catalogue."""
    engine = create_engine(url)
    try:
        await sync_builtin_exercises(
            ServiceContext(uow=UnitOfWorkFactory(create_session_factory(engine)))
        )
    finally:
        await engine.dispose()


async def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _truncate_all(engine: AsyncEngine) -> None:
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def database_url(_migrated_template: str, tmp_path: Path) -> str:
    """A migrated, empty database for this test."""
    if POSTGRES_URL:
        return POSTGRES_URL
    target = tmp_path / "spotter.db"
    shutil.copyfile(_migrated_template, target)
    return f"sqlite+aiosqlite:///{target}"


async def open_test_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    """An engine on the test's database (``kwargs`` go to ``create_engine``); on PostgreSQL the
    tables are emptied first and the exercise catalogue written again."""
    engine = create_engine(database_url, **kwargs)
    if POSTGRES_URL:
        await _truncate_all(engine)
        await sync_builtin_exercises(
            ServiceContext(uow=UnitOfWorkFactory(create_session_factory(engine)))
        )
    return engine


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = await open_test_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def ctx(session_factory: async_sessionmaker[AsyncSession], clock: ManualClock) -> ServiceContext:
    return ServiceContext(uow=UnitOfWorkFactory(session_factory), clock=clock)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(bot_token=TEST_TOKEN, database_url=database_url)


@pytest.fixture
def api(clock: ManualClock) -> FakeBotAPI:
    return FakeBotAPI(clock=lambda: clock.now())


def new_app(
    settings: Settings, api: FakeBotAPI, engine: AsyncEngine, clock: ManualClock, **kwargs: Any
) -> SpotterApplication:
    """The bot as the tests build it: on ``api``, ``engine`` and ``clock``, not yet initialised.

    ``kwargs`` go to ``build_application`` (``rate_limiter=False``, for instance).
    """
    return build_application(
        settings,
        request=FakeRequest(api),
        get_updates_request=FakeRequest(api),
        clock=clock,
        engine=engine,
        **kwargs,
    )


@asynccontextmanager
async def restarted(
    settings: Settings, api: FakeBotAPI, engine: AsyncEngine, clock: ManualClock, **kwargs: Any
) -> AsyncIterator[SpotterApplication]:
    """Another bot process on the same database, as after a restart: initialised on entry,
    shut down on exit. It shares ``api`` (the same Telegram) and ``clock`` with the test."""
    application = new_app(settings, api, engine, clock, **kwargs)
    await application.initialize()
    try:
        yield application
    finally:
        await application.shutdown()


@pytest.fixture
async def app(
    settings: Settings, api: FakeBotAPI, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[SpotterApplication]:
    async with restarted(settings, api, engine, clock) as application:
        yield application


def make_sim(app: SpotterApplication, api: FakeBotAPI) -> ChatSimulator:
    """A chat simulator driving ``app`` against ``api``."""
    return ChatSimulator(app, api)


@pytest.fixture
def sim(app: SpotterApplication, api: FakeBotAPI) -> ChatSimulator:
    return make_sim(app, api)
