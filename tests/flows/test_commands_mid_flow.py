"""A command sent mid-flow: a quick look elsewhere must not silently drop what was going on.

A live session, an onboarding and a half-written feedback stay open when another command
arrives: the command is answered, and typed text goes back to them once nothing newer needs it.
Every other flow still ends quietly on another command. A stand-alone command that shares its
module with a flow (/help beside /start, /import beside the importer) is answered even while
that flow is open.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.application import SpotterApplication
from bot.config import Settings
from coaching.clock import ManualClock
from conversations import fallbacks
from conversations import importer as importer_flow
from conversations import start as start_flow
from storage.models import SessionRecord, TrainerProfile, TrainingFeedback
from tests.conftest import make_sim, restarted
from tests.factories import (
    STRONG,
    finished,
    live_message,
    make_user,
    plan_session,
    records,
    trainer_and_client,
)
from tests.factories import set_count as _set_count
from tests.factories import user_row as _user
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator, SimUser

Factory = async_sessionmaker[AsyncSession]

TOM, ALICE, NEWCOMER = 1001, 2001, 3003
NOT_EXPECTING = "I'm not expecting a message right now"


# --------------------------------------------------------------------------- helpers


async def _live_session(sim: ChatSimulator, factory: Factory, clock: ManualClock) -> SimUser:
    """Tom logs Alice's planned "Lower A" live and has logged one set."""
    coaching = await trainer_and_client(factory)
    await plan_session(factory, coaching, at=clock.now() + timedelta(hours=1))
    tom = sim.user(TOM, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    await tom.send("100x5")
    assert "Logged: 100 kg × 5" in live_message(tom).text
    assert await _set_count(factory) == 1
    return tom


async def _logs_a_set(tom: SimUser, factory: Factory, expected: int) -> None:
    """``100x5`` goes to the live session: the set is stored and the live message moves on."""
    await tom.send("100x5")
    assert await _set_count(factory) == expected, tom.transcript()
    assert "Logged: 100 kg × 5" in live_message(tom).text


async def _feedback_rows(factory: Factory) -> list[TrainingFeedback]:
    async with factory() as session:
        return list((await session.execute(select(TrainingFeedback))).scalars())


async def _trainer_writing_feedback(
    sim: ChatSimulator, factory: Factory, clock: ManualClock
) -> tuple[SimUser, SimUser]:
    """Alice rated her session; Tom's feedback form has the overall text and asks for 2/5."""
    _, _, alice, tom = await finished(sim, factory, clock)
    await alice.press("8")
    await alice.send("felt strong")
    await alice.press("4 ⭐")
    await tom.send("/feedback")
    await tom.press("Alice · Lower A")
    await tom.press("✍️ Write feedback")
    assert "(1/5)" in tom.last_reply.text
    await tom.send("Great session, depth was solid")
    assert "Correction notes (2/5)" in tom.last_reply.text
    return alice, tom


class _Processes:
    """Bot processes on one database, as after restarts; each shut down at the end."""

    def __init__(
        self,
        stack: AsyncExitStack,
        settings: Settings,
        api: FakeBotAPI,
        engine: AsyncEngine,
        clock: ManualClock,
    ) -> None:
        self.stack = stack
        self.settings = settings
        self.api = api
        self.engine = engine
        self.clock = clock

    async def restart(self, telegram_id: int, name: str) -> SimUser:
        fresh: SpotterApplication = await self.stack.enter_async_context(
            restarted(self.settings, self.api, self.engine, self.clock)
        )
        return make_sim(fresh, self.api).user(telegram_id, name)


# --------------------------------------------------------------------------- live session


async def test_stand_alone_commands_mid_session_leave_it_taking_sets(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _live_session(sim, session_factory, clock)

    await tom.send("/help")
    assert "here is what you can do" in tom.last_reply.text
    assert "/log" in tom.last_reply.text
    await _logs_a_set(tom, session_factory, 2)

    await tom.send("/alerts")
    assert NOT_EXPECTING not in tom.last_reply.text
    await tom.send("/dashboard")
    assert NOT_EXPECTING not in tom.last_reply.text
    await tom.send("/nope")
    assert tom.last_reply.text == fallbacks.UNKNOWN_COMMAND
    await _logs_a_set(tom, session_factory, 3)


async def test_a_command_that_opens_a_flow_takes_text_until_it_ends(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _live_session(sim, session_factory, clock)

    # /schedule's flow (an earlier group than /log) is open: it answers typed text.
    await tom.send("/schedule")
    await tom.send("100x5")
    assert "couldn't find one of your active clients named" in tom.last_reply.text
    assert "/cancel closes the calendar" in tom.last_reply.text
    assert await _set_count(session_factory) == 1
    await tom.send("/cancel")
    assert "Cancelled" in tom.last_reply.text
    await _logs_a_set(tom, session_factory, 2)

    # /exercises (a later group) waits for a search: it gets the text, then it is cancelled.
    await tom.send("/exercises")
    await tom.send("deadlift")
    assert await _set_count(session_factory) == 2
    assert "deadlift" in tom.last_reply.text.lower()
    await tom.send("/cancel")
    assert "Cancelled" in tom.last_reply.text
    await _logs_a_set(tom, session_factory, 3)

    # The next /cancel is the live session's own.
    await tom.send("/cancel")
    assert "Logging paused" in tom.last_reply.text
    await tom.send("100x5")
    assert NOT_EXPECTING in tom.last_reply.text
    assert await _set_count(session_factory) == 3


async def test_another_command_ends_an_ordinary_flow_as_before(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _live_session(sim, session_factory, clock)
    await tom.send("/schedule")
    schedule_message = tom.last_reply.message_id
    await tom.send("/help")
    assert "here is what you can do" in tom.last_reply.text

    # /schedule has ended: its buttons expire, and the live session takes the sets.
    await tom.press_data("sch:new", message_id=schedule_message)
    assert tom.last_answer is not None
    assert "expired" in tom.last_answer
    await _logs_a_set(tom, session_factory, 2)


async def test_the_live_message_buttons_and_sets_work_across_restarts(
    settings: Settings,
    api: FakeBotAPI,
    engine: AsyncEngine,
    clock: ManualClock,
    sim: ChatSimulator,
    session_factory: Factory,
) -> None:
    await _live_session(sim, session_factory, clock)
    async with AsyncExitStack() as stack:
        processes = _Processes(stack, settings, api, engine, clock)
        tom = await processes.restart(TOM, "Tom")
        await tom.send("/help")
        assert "here is what you can do" in tom.last_reply.text
        tom = await processes.restart(TOM, "Tom")
        await _logs_a_set(tom, session_factory, 2)

        await tom.send("/schedule")
        tom = await processes.restart(TOM, "Tom")
        await tom.send("100x5")
        assert "/cancel closes the calendar" in tom.last_reply.text
        tom = await processes.restart(TOM, "Tom")
        await tom.send("/cancel")
        assert "Cancelled" in tom.last_reply.text
        tom = await processes.restart(TOM, "Tom")
        await tom.press("✓ As planned", message_id=live_message(tom).message_id)
        assert await _set_count(session_factory) == 3


async def test_a_set_after_a_command_costs_what_a_set_costs(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock, engine: AsyncEngine
) -> None:
    """Passing a command on writes no flow state, and the next set is no dearer than before."""
    tom = await _live_session(sim, session_factory, clock)
    await tom.send("/help")  # the first /help reads the user once, as any /help does

    counted: list[list[str]] = []

    async def count(text: str) -> None:
        statements: list[str] = []

        def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
            statements.append(sql)

        event.listen(engine.sync_engine, "before_cursor_execute", record)
        try:
            await tom.send(text)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", record)
        counted.append(statements)

    await count("100x5")
    await count("/help")
    await count("100x5")
    before, command, after = counted
    assert len(after) == len(before)
    # No flow state is written (on PostgreSQL each update reads its chat's state, a SELECT).
    assert not [s for s in command + after if "persistence_" in s and not s.startswith("SELECT")]
    assert await _set_count(session_factory) == 3


# --------------------------------------------------------------------------- onboarding


async def test_help_during_onboarding_is_answered_and_the_step_stays_open(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    ann = sim.user(NEWCOMER, "Ann")
    await ann.send("/start")
    await ann.press("I'm a trainer")
    assert "time zone" in ann.last_reply.text

    await ann.send("/help")
    assert "here is what you can do" in ann.last_reply.text
    assert start_flow.HELP_NEWCOMER not in ann.last_reply.text, "not told to /start again"
    assert "setting up Spotter: pick your time zone above" in ann.last_reply.text
    assert "e.g. Europe/London or madrid" in ann.last_reply.text
    assert fallbacks.UNKNOWN_COMMAND not in ann.last_reply.text

    await ann.send("Mars/Olympus")
    assert "I don't know a time zone or city called" in ann.last_reply.text
    assert "Europe/Madrid" in ann.last_reply.text
    assert not (await _user(session_factory, NEWCOMER)).onboarded

    await ann.send("Europe/Madrid")
    assert "All set" in ann.last_reply.text
    user = await _user(session_factory, NEWCOMER)
    assert (user.onboarded, user.timezone, user.is_trainer) == (True, "Europe/Madrid", True)


async def test_onboarding_buttons_work_after_a_command_and_a_restart(
    settings: Settings,
    api: FakeBotAPI,
    engine: AsyncEngine,
    clock: ManualClock,
    sim: ChatSimulator,
    session_factory: Factory,
) -> None:
    ann = sim.user(NEWCOMER, "Ann")
    await ann.send("/start")
    role_message = ann.last_reply.message_id
    await ann.send("/help")
    help_text = ann.last_reply.text
    assert "setting up Spotter: tap I'm a trainer, I'm a client or Both above" in help_text
    async with AsyncExitStack() as stack:
        processes = _Processes(stack, settings, api, engine, clock)
        ann = await processes.restart(NEWCOMER, "Ann")
        (asked,) = await ann.press("I'm a client", message_id=role_message)
        assert "time zone" in asked.text
        ann = await processes.restart(NEWCOMER, "Ann")
        await ann.send("/trainers")
        ann = await processes.restart(NEWCOMER, "Ann")
        (done,) = await ann.press("Europe/London", message_id=role_message)
        assert "All set" in done.text
    user = await _user(session_factory, NEWCOMER)
    assert (user.onboarded, user.timezone, user.is_client) == (True, "Europe/London", True)


async def test_cancel_after_a_command_still_ends_the_onboarding(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    ann = sim.user(NEWCOMER, "Ann")
    await ann.send("/start")
    await ann.press("I'm a trainer")
    zone_message = ann.last_reply.message_id
    await ann.send("/help")
    await ann.send("/cancel")
    assert "Cancelled" in ann.last_reply.text
    await ann.press("Europe/Berlin", message_id=zone_message)
    assert ann.last_answer is not None
    assert "expired" in ann.last_answer
    await ann.send("Europe/Berlin")
    assert NOT_EXPECTING in ann.last_reply.text
    assert not (await _user(session_factory, NEWCOMER)).onboarded


# --------------------------------------------------------------------------- siblings of a flow


async def test_import_command_is_answered_while_an_import_question_is_open(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    await alice.send_document(STRONG, "strong.csv", "text/csv")
    question = alice.last_reply
    assert "Ready to import" in question.text

    await alice.send("/import")
    assert "Send me a CSV file exported from" in alice.last_reply.text
    assert fallbacks.UNKNOWN_COMMAND not in alice.last_reply.text

    # The import question was an ordinary flow: the command ended it, its buttons say so.
    await alice.press("Create the rest as my own", message_id=question.message_id)
    assert alice.last_answer == importer_flow.STALE
    async with session_factory() as session:
        assert await session.scalar(select(func.count(SessionRecord.id))) == 0


# --------------------------------------------------------------------------- feedback drafts


async def test_trainer_feedback_draft_survives_a_detour_through_alerts(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    alice, tom = await _trainer_writing_feedback(sim, session_factory, clock)
    await tom.send("/alerts")
    assert "Correction notes" not in tom.last_reply.text

    await tom.send("brace before unracking")
    assert "Form comments (3/5)" in tom.last_reply.text
    await tom.press("Skip ›")
    await tom.press("5 ⭐")
    await tom.send("+2.5 kg on squats next week")
    assert "Send this to Alice" in tom.last_reply.text
    await tom.press("📤 Send")
    assert "Sent to Alice" in tom.last_reply.text
    assert "Great session, depth was solid" in alice.last_reply.text
    [row] = await _feedback_rows(session_factory)
    assert (row.feedback_text, row.correction_notes, row.performance_rating) == (
        "Great session, depth was solid",
        "brace before unracking",
        5,
    )


async def test_trainer_feedback_draft_waits_beneath_a_newer_flow_across_restarts(
    settings: Settings,
    api: FakeBotAPI,
    engine: AsyncEngine,
    clock: ManualClock,
    sim: ChatSimulator,
    session_factory: Factory,
) -> None:
    _, tom = await _trainer_writing_feedback(sim, session_factory, clock)
    async with AsyncExitStack() as stack:
        processes = _Processes(stack, settings, api, engine, clock)
        tom = await processes.restart(TOM, "Tom")
        await tom.send("/profile")
        tom = await processes.restart(TOM, "Tom")
        await tom.press("✏️ Edit profile")
        await tom.press("Bio")
        tom = await processes.restart(TOM, "Tom")
        await tom.send("Coach since 2015")  # /profile is newer and asks for text: it gets it
        assert "Form comments" not in tom.last_reply.text
        async with session_factory() as session:
            bios = await session.execute(select(TrainerProfile.bio))
            assert bios.scalar_one() == "Coach since 2015"
        tom = await processes.restart(TOM, "Tom")
        await tom.send("brace before unracking")  # the profile needs no text: feedback does
        assert "Form comments (3/5)" in tom.last_reply.text

        # /cancel closes the newest flow, the feedback form; nothing was sent or stored.
        tom = await processes.restart(TOM, "Tom")
        await tom.send("/cancel")
        assert "Cancelled" in tom.last_reply.text
        await tom.send("knees out")
        assert NOT_EXPECTING in tom.last_reply.text
    assert await _feedback_rows(session_factory) == []


async def test_client_feedback_text_after_another_command_reaches_the_form(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, _, alice, _ = await finished(sim, session_factory, clock)
    await alice.press("8")
    assert "Anything to tell Tom about it?" in alice.last_reply.text
    await alice.send("/progress")
    assert fallbacks.UNKNOWN_COMMAND not in alice.last_reply.text

    await alice.send("Squats felt heavy")
    assert NOT_EXPECTING not in alice.last_reply.text
    await alice.press("4 ⭐")
    assert "Feedback saved for Lower A" in alice.last_reply.text
    [record] = await records(session_factory)
    assert record.trainee_feedback["text"] == "Squats felt heavy"
    assert record.trainee_feedback["rating"] == 4
