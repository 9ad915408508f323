"""A trainer's message held for the client's quiet hours goes out once, after a restart.

The real entry point runs as a subprocess against the fake Bot API over HTTP (see
``tests/test_process.py``). Time in the subprocess comes from the test's own clock file
(``TEST_CLOCK_FILE``, :mod:`bot.testclock`): the test moves it by writing the file, never by
sleeping. At 23:00 Tom writes to Alice from her card; her quiet hours (22:00-07:00) hold it. The
bot is killed, the clock moves to 07:00, a new process starts on the same database and delivers
the message once. A reminder due an hour later shows that the job went on scanning after it.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.testclock import write_time
from coaching.services.base import ServiceContext
from coaching.services.catalogue import sync_builtin_exercises
from coaching.services.reminders import reminders_for_session_changed
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import WorkoutMessage
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.factories import plan_session, trainer_and_client
from tests.fakes import FakeBotAPI, FakeBotAPIServer, FakeUser
from tests.test_process import (
    WAIT,
    BotProcess,
    assert_clean_log,
    bot_env,
    press,
    push_text,
    text_to,
    wait_for_text,
)

pytestmark = pytest.mark.process

NIGHT = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
MORNING = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
SESSION = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # its hour-before reminder is due at 08:00
TEXT = "See you at 8, bring chalk"


@pytest.fixture
def api() -> FakeBotAPI:
    return FakeBotAPI()


@pytest.fixture
def server(api: FakeBotAPI) -> Iterator[FakeBotAPIServer]:
    with FakeBotAPIServer(api) as running:
        yield running


@pytest.fixture
def start_bot(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], BotProcess]]:
    started: list[BotProcess] = []

    def start(env: dict[str, str]) -> BotProcess:
        process = BotProcess(env, tmp_path, f"bot{len(started) + 1}", Path.cwd())
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


async def _prepare(url: str) -> None:
    """A migrated database: Tom coaches Alice, who has a session at 09:00 with reminders."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        factory = create_session_factory(engine)
        await sync_builtin_exercises(ServiceContext(uow=UnitOfWorkFactory(factory)))
        coaching = await trainer_and_client(factory)
        planned = await plan_session(factory, coaching, at=SESSION)
        async with UnitOfWork(factory) as uow:
            await reminders_for_session_changed(uow, planned.coaching_session_id, NIGHT)
            await uow.commit()
    finally:
        await engine.dispose()


async def _thread(url: str) -> list[WorkoutMessage]:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            return list((await session.execute(select(WorkoutMessage))).scalars())
    finally:
        await engine.dispose()


def _delivered(api: FakeBotAPI, chat_id: int, text: str) -> int:
    matches = text_to(chat_id, text)
    return sum(1 for call in api.calls if call.method == "sendMessage" and matches(call))


def test_a_held_message_goes_out_once_after_the_quiet_hours_across_a_restart(
    api: FakeBotAPI,
    server: FakeBotAPIServer,
    tmp_path: Path,
    start_bot: Callable[[dict[str, str]], BotProcess],
) -> None:
    clock_file = tmp_path / "now.txt"
    write_time(clock_file, NIGHT)
    env = bot_env(server, tmp_path, TEST_CLOCK_FILE=str(clock_file), REMINDER_SCAN_SECONDS="0.2")
    asyncio.run(_prepare(env["DATABASE_URL"]))
    tom, alice = FakeUser(1001, "Tom"), FakeUser(2001, "Alice")

    first = start_bot(env)
    first.wait_for_output("Spotter started")
    push_text(api, tom, "/clients")
    wait_for_text(api, tom.id, "Your clients")
    press(api, tom, "Alice")
    wait_for_text(api, tom.id, "Alice")
    press(api, tom, "💬 Message")
    wait_for_text(api, tom.id, "Message to Alice")
    push_text(api, tom, TEXT)
    wait_for_text(api, tom.id, "quiet hours for Alice", "07:00")
    [stored] = asyncio.run(_thread(env["DATABASE_URL"]))
    assert stored.text == TEXT, "acknowledged means stored"
    assert _delivered(api, alice.id, TEXT) == 0, "held at 23:00"

    first.process.send_signal(signal.SIGKILL)
    assert first.wait() == -signal.SIGKILL

    write_time(clock_file, MORNING)
    second = start_bot(env)
    second.wait_for_output("Spotter started")
    wait_for_text(api, alice.id, TEXT)
    write_time(clock_file, MORNING + timedelta(hours=1))
    wait_for_text(api, alice.id, "⏰", "Lower A")
    assert _delivered(api, alice.id, TEXT) == 1, api.describe_calls()
    assert_clean_log(second)
    second.process.send_signal(signal.SIGTERM)
    assert second.wait(WAIT) == 0
    assert _delivered(api, alice.id, TEXT) == 1


def test_the_test_clock_is_refused_unless_the_bot_api_is_local(tmp_path: Path) -> None:
    from tests.test_process import outside_env, run_entry

    clock_file = tmp_path / "now.txt"
    write_time(clock_file, NIGHT)
    env = outside_env(
        tmp_path,
        BOT_TOKEN="123456789:" + "P" * 35,
        TEST_CLOCK_FILE=str(clock_file),
        TELEGRAM_API_BASE_URL="https://api.example.org/bot",
    )
    refused = run_entry([], env, tmp_path)
    assert refused.returncode == 2
    assert "TEST_CLOCK_FILE is for tests against a local fake Bot API only" in refused.stderr
    assert "Traceback" not in refused.stderr

    del env["TELEGRAM_API_BASE_URL"]
    refused = run_entry([], env, tmp_path)
    assert refused.returncode == 2, "Telegram's own servers: refused too"
    assert "TEST_CLOCK_FILE" in refused.stderr

    env["TELEGRAM_API_BASE_URL"] = "http://127.0.0.1:9/bot"
    env["TEST_CLOCK_FILE"] = str(tmp_path / "missing.txt")
    refused = run_entry([], env, tmp_path)
    assert refused.returncode == 2
    assert "missing.txt is missing" in refused.stderr
    assert "Traceback" not in refused.stderr
