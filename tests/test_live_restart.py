"""A bot killed with SIGKILL mid-session resumes at the next set, with nothing lost.

The real entry point runs as a subprocess against the fake Bot API over HTTP (see
``tests/test_process.py``). The client logs two sets, the process is killed, a new one starts on
the same database, and the third set lands in the same session, on a new live card below it
that replaces the one from before the kill. A whole session typed with mistakes and a restart
ends with exactly one live card, the newest message, whose buttons work.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import ExerciseRecord, SessionRecord, SetRecord
from tests.factories import make_user
from tests.fakes import FakeBotAPI, FakeBotAPIServer, FakeUser
from tests.process_helpers import (
    WAIT,
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

pytestmark = pytest.mark.process

__all__ = ["api", "server", "start_bot"]  # the fixtures, used by name


async def _prepare(url: str) -> None:
    """A migrated database with one onboarded client in it."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        await make_user(create_session_factory(engine), 5001, "Cleo", client=True)
    finally:
        await engine.dispose()


async def _stored(url: str) -> tuple[list[SessionRecord], list[SetRecord]]:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            records = list((await session.execute(select(SessionRecord))).scalars())
            sets = list(
                (
                    await session.execute(
                        select(SetRecord)
                        .join(ExerciseRecord, ExerciseRecord.id == SetRecord.exercise_record_id)
                        .order_by(SetRecord.id)
                    )
                ).scalars()
            )
            return records, sets
    finally:
        await engine.dispose()


def test_sigkill_mid_session_resumes_at_the_next_set(
    api: FakeBotAPI,
    server: FakeBotAPIServer,
    tmp_path: Path,
    start_bot: Callable[[dict[str, str]], BotProcess],
) -> None:
    env = bot_env(server, tmp_path)
    url = env["DATABASE_URL"]
    asyncio.run(_prepare(url))
    cleo, bystander = FakeUser(5001, "Cleo"), FakeUser(5999, "Bea")

    first = start_bot(env)
    first.wait_for_output("Spotter started")
    push_text(api, cleo, "/log")
    wait_for_text(api, cleo.id, "Log a workout")
    press(api, cleo, "My own workout")
    wait_for_text(api, cleo.id, "Type the first exercise")
    push_text(api, cleo, "squat")
    wait_for_text(api, cleo.id, "Which one did you mean")
    press(api, cleo, "Barbell Back Squat")
    wait_for_text(api, cleo.id, "Added", "Set 1")
    push_text(api, cleo, "100x5")
    wait_for_text(api, cleo.id, "Set 2")
    before = len(api.calls)
    push_text(api, cleo, "102.5x5")
    live = wait_for_text(api, cleo.id, "Set 3", "2. 102.5 kg × 5", since=before)
    # The turn ends with the card before it deleted (after the new one is remembered).
    api.wait_until(
        lambda: any(call.method == "deleteMessage" for call in api.calls[before:]),
        WAIT,
        "the previous live card deleted",
    )
    # Updates are handled one at a time: once the bystander is answered, Cleo's turn (and
    # its state flush) is complete, so the kill lands between two sets.
    push_text(api, bystander, "/start")
    wait_for_text(api, bystander.id, "Welcome to Spotter")

    first.process.send_signal(signal.SIGKILL)
    assert first.wait() == -signal.SIGKILL

    second = start_bot(env)
    second.wait_for_output("Spotter started")
    mark = len(api.calls)
    push_text(api, cleo, "105x5")
    resumed = wait_for_text(api, cleo.id, "Set 4", "3. 105 kg × 5", since=mark)
    # The card follows the typed set to the bottom of the chat; the one from before the kill
    # is deleted, so one live card remains.
    assert resumed.method == "sendMessage", "the card is sent below the typed set"

    def deleted() -> list[object]:
        calls = api.calls[mark:]
        return [call.params.get("message_id") for call in calls if call.method == "deleteMessage"]

    api.wait_until(lambda: bool(deleted()), WAIT, "the old live card deleted")
    assert deleted() == [live.result["message_id"]]

    records, sets = asyncio.run(_stored(url))
    assert len(records) == 1
    assert records[0].is_live
    assert [(str(s.weight_kg), s.reps) for s in sets] == [
        ("100.000", 5),
        ("102.500", 5),
        ("105.000", 5),
    ]
    assert_clean_log(second)


def _live_cards(api: FakeBotAPI, chat_id: int) -> list[dict[str, object]]:
    """The chat's bot messages that still carry live-logging buttons (deleted ones left out)."""
    cards = []
    for message in api.sent_to(chat_id):
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        data = [str(b.get("callback_data", "")) for row in rows for b in row]
        if any(d.startswith(("lg:fin:", "lg:b:", "lg:fy:")) for d in data):
            cards.append(message)
    return cards


def _typed(api: FakeBotAPI, user: FakeUser, text: str, *needles: str) -> None:
    """Type ``text`` and wait for the card (or reply) holding ``needles`` to be shown."""
    mark = len(api.calls)
    push_text(api, user, text)
    wait_for_text(api, user.id, *needles, since=mark)


def test_a_whole_session_with_typos_and_a_restart_ends_with_one_working_card(
    api: FakeBotAPI,
    server: FakeBotAPIServer,
    tmp_path: Path,
    start_bot: Callable[[dict[str, str]], BotProcess],
) -> None:
    env = bot_env(server, tmp_path)
    url = env["DATABASE_URL"]
    asyncio.run(_prepare(url))
    cleo = FakeUser(5001, "Cleo")

    first = start_bot(env)
    first.wait_for_output("Spotter started")
    push_text(api, cleo, "/log")
    wait_for_text(api, cleo.id, "Log a workout")
    press(api, cleo, "My own workout")
    wait_for_text(api, cleo.id, "Type the first exercise")
    _typed(api, cleo, "squat", "Which one did you mean")
    press(api, cleo, "Barbell Back Squat")
    wait_for_text(api, cleo.id, "Added", "Set 1")
    _typed(api, cleo, "100x5", "Logged: 100 kg × 5")
    _typed(api, cleo, "100x", "⚠️", "Set 2")  # a typo: explained in the card, nothing stored
    _typed(api, cleo, "same", "2. 100 kg × 5")

    # A plain restart between two sets, once the turn has deleted the card before it.
    api.wait_until(lambda: len(_live_cards(api, cleo.id)) == 1, WAIT, "one live card")
    first.process.send_signal(signal.SIGTERM)
    first.wait()
    second = start_bot(env)
    second.wait_for_output("Spotter started")

    _typed(api, cleo, "+2.5", "3. 102.5 kg × 5")
    _typed(api, cleo, "102,5 x 5 @ 11", "⚠️", "RPE")  # RPE out of range: nothing stored
    _typed(api, cleo, "deadlift", "Which one did you mean")
    press(api, cleo, "Barbell Deadlift")
    wait_for_text(api, cleo.id, "Barbell Deadlift (2/2)")
    _typed(api, cleo, "140x3", "1. 140 kg × 3")
    _typed(api, cleo, "undo", "Last set removed")
    _typed(api, cleo, "140x3 @8", "1. 140 kg × 3 @8")

    # Exactly one live card is left, it is the newest message, and its buttons work.
    api.wait_until(lambda: len(_live_cards(api, cleo.id)) == 1, WAIT, "one live card")
    [card] = _live_cards(api, cleo.id)
    assert card["message_id"] == api.sent_to(cleo.id)[-1]["message_id"]
    mark = len(api.calls)
    press(api, cleo, "Same")
    edited = wait_for_text(api, cleo.id, "2. 140 kg × 3", since=mark)
    assert edited.method == "editMessageText"
    assert edited.result["message_id"] == card["message_id"]

    _typed(api, cleo, "finish", "Finish")
    press(api, cleo, "Yes, finish")
    summary = wait_for_text(api, cleo.id, "Session complete")
    assert "Barbell Back Squat · Barbell Deadlift" in str(summary.result["text"])
    assert _live_cards(api, cleo.id) == []

    records, sets = asyncio.run(_stored(url))
    assert [(r.is_live, r.completed) for r in records] == [(False, True)]
    assert [(str(s.weight_kg), s.reps) for s in sets] == [
        ("100.000", 5),
        ("100.000", 5),
        ("102.500", 5),
        ("140.000", 3),
        ("140.000", 3),
    ]
    assert_clean_log(first)
    assert_clean_log(second)
