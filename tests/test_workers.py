"""Several bot processes: three webhook workers on one PostgreSQL database, and a second process
refused on a SQLite file.

The workers are the real entry point (``python -m bot``) in webhook mode against the fake Bot
API over HTTP (see tests/test_process.py), behind a round-robin :class:`Forwarder` written for
this test: it posts each update to the next worker that is alive, and when a worker dies with a
request in hand (no answer, or an error status) it sends the update to another one, as Telegram
re-delivers a webhook update that was not answered with 2xx.

The workers look for due reminders every second (``REMINDER_SCAN_SECONDS=1``) and for due rest
timers every second (always): a reminder put in the outbox while three run, and the rest timer
the killed worker set, are each sent once, by whichever worker takes them.

The PostgreSQL tests are marked ``workers``, not ``process``: the README's test command runs
the PostgreSQL suite with ``-m "not process"``, and these are exactly the tests that need it.
Without a PostgreSQL ``TEST_DATABASE_URL`` they are skipped.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from coaching.domain.enums import ReminderKind, ReminderStatus
from storage.db import create_engine, create_session_factory
from storage.models import DelayedMessage, Reminder, SessionRecord, SetRecord, User, utcnow
from tests.conftest import POSTGRES_URL, open_test_engine
from tests.factories import plan_session, trainer_and_client
from tests.fakes import FakeBotAPI, FakeBotAPIServer, FakeUser
from tests.fakes.updates import callback_update, message_update
from tests.process_helpers import (
    PROJECT_ROOT,
    WAIT,
    WEBHOOK_SECRET,
    BotProcess,
    api,
    assert_clean_log,
    bot_env,
    free_port,
    server,
    wait_for_port,
    wait_for_text,
)

__all__ = ["api", "server"]  # the fixtures, used by name

WORKERS = 3
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALICE = 2001
REST_OVER_SET_3 = "⏱ Rest over — next: Set 3 of Barbell Back Squat"
TRAINER_NOTE = "Bring your belt tomorrow."

needs_postgres = pytest.mark.skipif(
    POSTGRES_URL is None, reason="several workers share a PostgreSQL database only"
)


# ------------------------------------------------------------------------ the forwarder


class Forwarder:
    """Round-robin over the workers' webhooks, re-sending to another worker what a dead one
    left unanswered. Each :meth:`post` returns the index of the worker that answered 200."""

    def __init__(self, workers: list[tuple[BotProcess, str]]) -> None:
        self.workers = workers
        self._next = 0
        self._lock = threading.Lock()
        self.answered_by: list[int] = []
        self.resent = 0

    def _alive(self, index: int) -> bool:
        return self.workers[index][0].process.poll() is None

    def _pick(self, avoid: set[int]) -> int:
        with self._lock:
            for _ in range(len(self.workers)):
                index = self._next
                self._next = (self._next + 1) % len(self.workers)
                if index not in avoid and self._alive(index):
                    return index
        raise AssertionError("no worker left alive to take the update")

    def post(self, update: dict[str, Any], *, to: int | None = None) -> int:
        tried: set[int] = set()
        index = to if to is not None else self._pick(tried)
        while True:
            if self._answered(index, update):
                self.answered_by.append(index)
                return index
            tried.add(index)
            self.resent += 1
            index = self._pick(tried)

    def _answered(self, index: int, update: dict[str, Any]) -> bool:
        url = self.workers[index][1]
        try:
            with httpx.Client(timeout=WAIT) as client:
                answer = client.post(url, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET})
        except httpx.TransportError:
            return False  # the worker died holding the request, or is gone
        assert answer.status_code != 403, answer.text
        return answer.status_code == 200


def button(api: FakeBotAPI, user: FakeUser, label: str) -> dict[str, Any]:
    """A press of the newest button whose label contains ``label`` in ``user``'s chat."""
    for message in reversed(api.sent_to(user.id)):
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        for row in rows:
            for b in row:
                if "callback_data" in b and label.casefold() in str(b["text"]).casefold():
                    return callback_update(
                        api.next_update_id(), user, str(b["callback_data"]), message
                    )
    raise AssertionError(f"no button {label!r} in chat {user.id}:\n{api.describe_calls()}")


def text(api: FakeBotAPI, user: FakeUser, body: str) -> dict[str, Any]:
    return message_update(
        api.next_update_id(), user, body, message_id=api.allocate_message_id(user.id)
    )


# ------------------------------------------------------------------------ fixtures


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], BotProcess]]:
    started: list[BotProcess] = []

    def start(env: dict[str, str]) -> BotProcess:
        bot = BotProcess(env, tmp_path, f"worker{len(started) + 1}", PROJECT_ROOT)
        started.append(bot)
        return bot

    yield start
    for bot in started:
        bot.kill()


def _start_workers(
    server: FakeBotAPIServer,
    tmp_path: Path,
    start: Callable[[dict[str, str]], BotProcess],
) -> list[tuple[BotProcess, str]]:
    """Three identical workers on the test's PostgreSQL database; only the port differs."""
    assert POSTGRES_URL is not None
    workers: list[tuple[BotProcess, str, int]] = []
    for _ in range(WORKERS):
        port = free_port()
        env = bot_env(
            server,
            tmp_path,
            DATABASE_URL=POSTGRES_URL,
            BOT_MODE="webhook",
            WEBHOOK_URL="https://bot.example.com/telegram",
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(port),
            WEBHOOK_SECRET=WEBHOOK_SECRET,
            REMINDER_SCAN_SECONDS="1",
        )
        workers.append((start(env), f"http://127.0.0.1:{port}/telegram", port))
    for bot, _, port in workers:
        wait_for_port(port, bot)
        bot.wait_for_output("Spotter started")
    return [(bot, url) for bot, url, _ in workers]


async def _prepare_database() -> None:
    """An emptied database with Tom, his client Alice and today's "Lower A" planned."""
    assert POSTGRES_URL is not None
    engine = await open_test_engine(POSTGRES_URL)
    try:
        factory = create_session_factory(engine)
        coaching = await trainer_and_client(factory)
        # Five minutes ahead, unless that is tomorrow already (the workers' "today" is the
        # wall clock's): then five minutes ago.
        now = datetime.now(UTC)
        soon = now + timedelta(minutes=5)
        at = soon if soon.date() == now.date() else now - timedelta(minutes=5)
        await plan_session(factory, coaching, at=at)
    finally:
        await engine.dispose()


async def _stored_sets() -> list[tuple[Decimal | None, int | None]]:
    assert POSTGRES_URL is not None
    engine = create_engine(POSTGRES_URL)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.execute(
                select(SetRecord.weight_kg, SetRecord.reps).order_by(SetRecord.id)
            )
            return [(weight, reps) for weight, reps in rows]
    finally:
        await engine.dispose()


async def _completed_records() -> int:
    assert POSTGRES_URL is not None
    engine = create_engine(POSTGRES_URL)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.scalars(select(SessionRecord.completed))
            return sum(1 for completed in rows if completed)
    finally:
        await engine.dispose()


async def _add_due_reminder() -> None:
    """A note from Tom to Alice in the reminder outbox, due a minute ago.

    Alice keeps no quiet hours: the workers run on the wall clock, and within her default ones
    (22:00 to 07:00) the note would wait for the morning, whatever hour the suite runs at."""
    assert POSTGRES_URL is not None
    engine = create_engine(POSTGRES_URL)
    try:
        async with create_session_factory(engine)() as session:
            alice = await session.scalar(select(User).where(User.telegram_id == ALICE))
            assert alice is not None
            alice.quiet_start = alice.quiet_end = None
            session.add(
                Reminder(
                    user_id=alice.id,
                    kind=ReminderKind.TRAINER_MESSAGE,
                    due_at=utcnow() - timedelta(minutes=1),
                    payload={"text": TRAINER_NOTE},
                    dedup_key="note:workers",
                )
            )
            await session.commit()
    finally:
        await engine.dispose()


async def _reminder_statuses() -> list[ReminderStatus]:
    assert POSTGRES_URL is not None
    engine = create_engine(POSTGRES_URL)
    try:
        async with create_session_factory(engine)() as session:
            return list(await session.scalars(select(Reminder.status)))
    finally:
        await engine.dispose()


async def _rest_timers(*, make_due: bool = False) -> list[tuple[int, str]]:
    """The stored rest timers as (chat, text); ``make_due`` first moves them to now, as if
    the rest had been waited out."""
    assert POSTGRES_URL is not None
    engine = create_engine(POSTGRES_URL)
    try:
        async with create_session_factory(engine)() as session:
            if make_due:
                await session.execute(update(DelayedMessage).values(due_at=utcnow()))
                await session.commit()
            rows = await session.execute(select(DelayedMessage.chat_id, DelayedMessage.text))
            return [(chat, body) for chat, body in rows]
    finally:
        await engine.dispose()


def _wait_for_no_timers() -> None:
    deadline = time.monotonic() + WAIT
    while asyncio.run(_rest_timers()):
        assert time.monotonic() < deadline, "the due rest timer was never taken"
        time.sleep(0.2)


def _sent(api: FakeBotAPI, chat_id: int, needle: str) -> int:
    """How many messages to ``chat_id`` containing ``needle`` were sent."""
    return sum(1 for m in api.sent_to(chat_id) if needle in str(m.get("text", "")))


# ------------------------------------------------------------------------ tests


@needs_postgres
@pytest.mark.workers
def test_three_workers_log_a_session_and_one_dies_in_the_middle(
    api: FakeBotAPI,
    server: FakeBotAPIServer,
    tmp_path: Path,
    processes: Callable[[dict[str, str]], BotProcess],
) -> None:
    asyncio.run(_prepare_database())
    workers = _start_workers(server, tmp_path, processes)
    forwarder = Forwarder(workers)
    tom = FakeUser(1001, "Tom")

    def step(update: dict[str, Any], *needles: str) -> None:
        mark = len(api.calls)
        forwarder.post(update)
        if needles:
            wait_for_text(api, tom.id, *needles, since=mark)

    step(text(api, tom, "/log"), "Who are you training")
    step(button(api, tom, "Alice"), "Planned for today")
    step(button(api, tom, "Lower A"), "Started", "Set 1 of 3")
    step(text(api, tom, "100x5"), "Logged: 100 kg × 5", "Set 2 of 3")
    step(button(api, tom, "@8"), "RPE 8 noted")
    assert sorted(set(forwarder.answered_by)) == [0, 1, 2], "every worker took a turn"

    # A due reminder in the outbox, with three dispatchers looking for it every second.
    asyncio.run(_add_due_reminder())
    wait_for_text(api, ALICE, TRAINER_NOTE)

    # The next set goes to a worker that stalls on its first call to Telegram for it, and is
    # killed holding the request, which the forwarder then sends to another worker. That one
    # handles it, or finds it handled (when the set and its mark were committed before the
    # stall) and leaves it: either way the set is stored once.
    victim = forwarder._next
    api.fail_next(chat_id=tom.id, error="timeout")
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(forwarder.post, text(api, tom, "same"), to=victim)
        api.wait_until(
            lambda: any(c.error == "transport timeout" for c in api.calls), WAIT, "the stall"
        )
        workers[victim][0].process.send_signal(signal.SIGKILL)
        assert workers[victim][0].wait() == -signal.SIGKILL
        survivor = pending.result(timeout=WAIT)
    assert survivor != victim
    assert forwarder.resent == 1

    # The victim stored the set (with its handled mark) and its rest timer before the stalled
    # call, so the survivor found the update handled, and the timer is the victim's. Once the
    # rest is over, a worker still alive sends it.
    assert asyncio.run(_rest_timers(make_due=True)) == [(tom.id, REST_OVER_SET_3)]
    wait_for_text(api, tom.id, REST_OVER_SET_3)
    _wait_for_no_timers()

    # The conversation goes on where it was, on the two workers left.
    step(text(api, tom, "+2.5"), "3. 102.5 kg × 5", "All 3 planned sets done")
    step(button(api, tom, "Next ›"), "Romanian Deadlift")
    step(text(api, tom, "80x8"), "Logged: 80 kg × 8")
    step(button(api, tom, "Finish"), "4 sets logged")
    step(button(api, tom, "Yes, finish"), "Session complete", "4 sets")

    assert asyncio.run(_stored_sets()) == [
        (Decimal("100.000"), 5),
        (Decimal("100.000"), 5),
        (Decimal("102.500"), 5),
        (Decimal("80.000"), 8),
    ]
    assert asyncio.run(_completed_records()) == 1
    # Many dispatcher runs later on every worker left: each was sent once.
    assert _sent(api, tom.id, REST_OVER_SET_3) == 1, api.describe_calls()
    assert _sent(api, ALICE, TRAINER_NOTE) == 1, api.describe_calls()
    assert asyncio.run(_reminder_statuses()) == [ReminderStatus.SENT]
    for index, (bot, _) in enumerate(workers):
        if index != victim:
            assert_clean_log(bot)


@needs_postgres
@pytest.mark.workers
def test_the_same_update_posted_to_two_workers_at_once_is_handled_once(
    api: FakeBotAPI,
    server: FakeBotAPIServer,
    tmp_path: Path,
    processes: Callable[[dict[str, str]], BotProcess],
) -> None:
    asyncio.run(_prepare_database())
    workers = _start_workers(server, tmp_path, processes)
    forwarder = Forwarder(workers)
    bea = FakeUser(3001, "Bea")
    updates = [text(api, bea, "/help") for _ in range(5)]

    with ThreadPoolExecutor(max_workers=2) as pool:
        for update in updates:
            both = [pool.submit(forwarder.post, update, to=index) for index in (0, 1)]
            assert sorted(f.result(timeout=WAIT) for f in both) == [0, 1]  # both said 200

    # A worker answers the webhook only once the update is handled (or found handled), so
    # every answer there will be has been sent by now.
    answers = [
        c for c in api.calls if c.method == "sendMessage" and c.chat_id == bea.id and not c.error
    ]
    assert len(answers) == len(updates), api.describe_calls()
    assert all("here is what you can do" in str(c.result["text"]) for c in answers)
    for bot, _ in workers:
        assert_clean_log(bot)


@pytest.mark.process
def test_a_second_process_on_the_same_sqlite_file_is_refused(
    api: FakeBotAPI,
    server: FakeBotAPIServer,
    tmp_path: Path,
    processes: Callable[[dict[str, str]], BotProcess],
) -> None:
    env = bot_env(server, tmp_path)
    first = processes(env)
    first.wait_for_output("Spotter started")

    second = processes(env)

    assert second.wait() == 2, second.output
    lines = second.stderr.splitlines()
    assert len(lines) == 1, second.output
    assert lines[0].startswith("spotter: DATABASE_URL: "), lines
    assert "is in use by another Spotter process" in lines[0]
    assert f":{first.process.pid})" in lines[0], "names the process holding it"
    assert "use PostgreSQL" in lines[0]

    # The lock goes with its process, however it ends: after a SIGKILL a new one starts.
    first.process.send_signal(signal.SIGKILL)
    assert first.wait() == -signal.SIGKILL
    third = processes(env)
    third.wait_for_output("Spotter started")
    assert_clean_log(third)


@pytest.mark.process
def test_a_webhook_worker_answers_after_handling_and_stops_cleanly_on_sigterm(
    api: FakeBotAPI,
    server: FakeBotAPIServer,
    tmp_path: Path,
    processes: Callable[[dict[str, str]], BotProcess],
) -> None:
    port = free_port()
    env = bot_env(
        server,
        tmp_path,
        BOT_MODE="webhook",
        WEBHOOK_URL="https://bot.example.com/telegram",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET=WEBHOOK_SECRET,
        WEBHOOK_MAX_CONNECTIONS="7",
    )
    bot = processes(env)
    wait_for_port(port, bot)
    hook = server.wait_for("setWebhook", timeout=WAIT)
    assert hook.params["max_connections"] == 7
    bot.wait_for_output("Spotter started")
    forwarder = Forwarder([(bot, f"http://127.0.0.1:{port}/telegram")])
    alice = FakeUser(4001, "Alice")

    forwarder.post(text(api, alice, "/start"))

    # Answered 200 only once handled: the welcome is out before the request returns.
    assert any("Welcome to Spotter" in str(m.get("text")) for m in api.sent_to(alice.id))
    bot.process.send_signal(signal.SIGTERM)
    assert bot.wait() == 0, bot.output
    assert_clean_log(bot)
