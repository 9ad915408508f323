"""Two bot processes polling one PostgreSQL database: one polls, the other stands by, and takes
over when the leader is killed, with the conversation going on and no update lost.

Marked ``pg_process`` (not ``process``) so that the PostgreSQL run of the README's test
command, which leaves out ``process``, runs it; without ``TEST_DATABASE_URL`` it is skipped.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.leader import LEADER_LOCK
from storage.advisory import SessionLock
from storage.db import create_engine, create_session_factory
from tests.conftest import POSTGRES_URL, open_test_engine
from tests.factories import plan_session, trainer_and_client
from tests.fakes import FakeBotAPI, FakeBotAPIServer, FakeUser
from tests.process_helpers import (
    BotProcess,
    api,
    assert_clean_log,
    bot_env,
    press,
    push_text,
    server,
    start_bot,
    wait_for_text,
)

pytestmark = [
    pytest.mark.pg_process,
    pytest.mark.skipif(not POSTGRES_URL, reason="polling with a standby needs PostgreSQL"),
]

__all__ = ["api", "server", "start_bot"]  # the fixtures, used by name

TAKE_OVER_WITHIN = 30.0  # seconds: the bound the standby must meet


async def _empty(url: str) -> None:
    engine = await open_test_engine(url)
    await engine.dispose()


async def _wait_until_settled(url: str) -> None:
    """Until every handled update's step is written too (see storage.repositories.updates)."""
    engine = create_engine(url)
    try:
        for _ in range(200):  # 20 s
            async with engine.connect() as connection:
                open_steps = await connection.scalar(
                    text("SELECT count(*) FROM processed_updates WHERE NOT settled")
                )
            if not open_steps:
                return
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()
    raise AssertionError("an update's step was never written")


def _answers(api: FakeBotAPI, chat_id: int, needle: str, since: int) -> int:
    return sum(
        1
        for call in api.calls[since:]
        if call.method in ("sendMessage", "editMessageText")
        and call.chat_id == chat_id
        and call.error is None
        and isinstance(call.result, dict)
        and needle in str(call.result.get("text", ""))
    )


def test_the_standby_polls_after_the_leader_is_killed_and_the_session_goes_on(
    api: FakeBotAPI,
    server: FakeBotAPIServer,
    tmp_path: Path,
    start_bot: Callable[..., BotProcess],
    database_url: str,
) -> None:
    asyncio.run(_empty(database_url))
    env = bot_env(server, tmp_path, DATABASE_URL=database_url)
    leader = start_bot(env)
    leader.wait_for_output("Spotter started")
    assert "polling leader" in leader.output
    standby = start_bot(env)
    standby.wait_for_output("standby: another worker is polling")

    tina = FakeUser(2001, "Tina")
    push_text(api, tina, "/start")
    wait_for_text(api, tina.id, "Welcome to Spotter")
    press(api, tina, "I'm a trainer")
    wait_for_text(api, tina.id, "time zone")
    assert "polling leader" not in standby.output, "only the leader polls"
    # Killed once the step is saved whole: its effects and the step it leads to. (Killed
    # between the two, the update is not done again and the person is told the step closed:
    # tests/test_interrupted_turn.py.)
    asyncio.run(_wait_until_settled(database_url))

    leader.process.send_signal(signal.SIGKILL)
    assert leader.wait() == -signal.SIGKILL
    mark = len(api.calls)
    # Sent while nobody polls: Telegram keeps it for whoever polls next.
    press(api, tina, "Europe/London")

    standby.wait_for_output("polling leader", timeout=TAKE_OVER_WITHIN)
    done = wait_for_text(api, tina.id, "All set", since=mark)
    assert "trainer" in done.result["text"], done.result

    again = len(api.calls)
    push_text(api, tina, "/start")
    call = api.wait_for(
        "sendMessage", lambda c: c.chat_id == tina.id and c.error is None, 20.0, since=again
    )
    labels = [
        button["text"]
        for row in (call.result.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
    ]
    assert not any("I'm a trainer" in label for label in labels), "the new leader knows her"
    assert _answers(api, tina.id, "All set", since=mark) == 1, "answered once"
    assert_clean_log(standby)


async def _cut_off_the_lock(url: str) -> int:
    """End the database session holding the polling lock, as a lost connection would."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            found = await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND granted AND ((classid::bigint << 32) | objid::bigint) = :key"
                ),
                {"key": LEADER_LOCK},
            )
            return len(found.all())
    finally:
        await engine.dispose()


def test_a_leader_that_loses_its_database_connection_hands_over(
    api: FakeBotAPI,
    server: FakeBotAPIServer,
    tmp_path: Path,
    start_bot: Callable[..., BotProcess],
    database_url: str,
) -> None:
    asyncio.run(_empty(database_url))
    env = bot_env(server, tmp_path, DATABASE_URL=database_url)
    first = start_bot(env)
    first.wait_for_output("Spotter started")
    second = start_bot(env)
    second.wait_for_output("standby: another worker is polling")
    tina = FakeUser(2001, "Tina")
    push_text(api, tina, "/start")
    wait_for_text(api, tina.id, "Welcome to Spotter")
    press(api, tina, "I'm a trainer")
    wait_for_text(api, tina.id, "time zone")

    assert asyncio.run(_cut_off_the_lock(database_url)) == 1
    first.wait_for_output("lost its lock; standing by", timeout=TAKE_OVER_WITHIN)
    second.wait_for_output("polling leader", timeout=TAKE_OVER_WITHIN)
    mark = len(api.calls)
    press(api, tina, "Europe/London")
    wait_for_text(api, tina.id, "All set", since=mark)
    assert first.process.poll() is None, "the old leader stays, as the standby now"
    assert _answers(api, tina.id, "All set", since=mark) == 1
    assert_clean_log(first)
    assert_clean_log(second)


async def test_the_lock_is_held_while_its_connection_lives_and_freed_when_it_ends(
    database_url: str,
) -> None:
    def lock() -> SessionLock:
        return SessionLock(database_url, LEADER_LOCK, idle_timeout_s=20, query_timeout_s=5)

    leader, standby = lock(), lock()
    try:
        assert await leader.try_acquire()
        assert not await standby.try_acquire()
        assert await leader.check()
        assert await leader.check(), "checking again keeps it"
        assert not await standby.try_acquire()

        assert await _cut_off_the_lock(database_url) == 1
        assert not await leader.check()
        assert await standby.try_acquire()
        assert not await leader.try_acquire(), "the old holder, reconnected, is the standby"
    finally:
        await leader.close()
        await standby.close()


def test_sigterm_stops_the_leader_and_the_standby_cleanly(
    api: FakeBotAPI,
    server: FakeBotAPIServer,
    tmp_path: Path,
    start_bot: Callable[..., BotProcess],
    database_url: str,
) -> None:
    asyncio.run(_empty(database_url))
    env = bot_env(server, tmp_path, DATABASE_URL=database_url)
    leader = start_bot(env)
    leader.wait_for_output("Spotter started")
    standby = start_bot(env)
    standby.wait_for_output("standby: another worker is polling")
    push_text(api, FakeUser(1001, "Alice"), "/start")
    wait_for_text(api, 1001, "Welcome to Spotter")

    standby.process.send_signal(signal.SIGTERM)
    assert standby.wait() == 0, standby.output
    leader.process.send_signal(signal.SIGTERM)
    assert leader.wait() == 0, leader.output
    assert "Spotter stopped" in leader.output
    assert_clean_log(leader)
    assert_clean_log(standby)


REST_SECONDS = 20


async def _trainer_with_a_planned_session(url: str) -> None:
    engine = await open_test_engine(url)
    try:
        factory = create_session_factory(engine)
        coaching = await trainer_and_client(factory)
        await plan_session(
            factory,
            coaching,
            at=datetime.now(UTC),
            exercises=(("barbell-back-squat", 3, 5, "100", REST_SECONDS),),
        )
    finally:
        await engine.dispose()


def _press_when_shown(api: FakeBotAPI, user: FakeUser, label: str) -> None:
    def shown() -> bool:
        return any(
            label in str(button.get("text"))
            for message in api.sent_to(user.id)
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
        )

    api.wait_until(shown, 20.0, f"a {label!r} button for {user.first_name}")
    press(api, user, label)


def test_a_rest_timer_set_on_a_killed_leader_is_sent_once_by_the_new_one(
    api: FakeBotAPI,
    server: FakeBotAPIServer,
    tmp_path: Path,
    start_bot: Callable[..., BotProcess],
    database_url: str,
) -> None:
    asyncio.run(_trainer_with_a_planned_session(database_url))
    env = bot_env(server, tmp_path, DATABASE_URL=database_url)
    leader = start_bot(env)
    leader.wait_for_output("Spotter started")
    standby = start_bot(env)
    standby.wait_for_output("standby: another worker is polling")
    tom = FakeUser(1001, "Tom")
    push_text(api, tom, "/log")
    _press_when_shown(api, tom, "Alice")
    _press_when_shown(api, tom, "Lower A")
    wait_for_text(api, tom.id, "Started")
    push_text(api, tom, "100x5")
    wait_for_text(api, tom.id, "Logged: 100 kg × 5")

    leader.process.send_signal(signal.SIGKILL)
    assert leader.wait() == -signal.SIGKILL
    mark = len(api.calls)
    standby.wait_for_output("polling leader", timeout=TAKE_OVER_WITHIN)
    wait_for_text(api, tom.id, "Rest over", since=mark)

    again = len(api.calls)
    push_text(api, tom, "100x5")
    wait_for_text(api, tom.id, "Logged: 100 kg × 5", since=again)
    assert _answers(api, tom.id, "Rest over", since=0) == 1, "sent once"
    assert_clean_log(standby)
