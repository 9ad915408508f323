"""The buttons on a reminder: see plan, start logging, done as prescribed, can't make it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.application import SpotterApplication
from bot.dispatch import dispatch_due
from coaching.clock import ManualClock
from coaching.domain.enums import RecordStatus, ReminderKind, ReminderStatus, SessionStatus
from storage.models import CoachingSession, Reminder
from tests.factories import (
    REMINDER_AT,
    Factory,
    appointment,
    live_message,
    records,
    reminded,
    reminder_id,
    sets_of,
)
from tests.fakes.chat import ChatSimulator


async def test_the_hour_before_reminder_has_all_four_buttons(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, planned = await reminded(app, session_factory, clock)
    alice = sim.user(2001, "Alice")
    sid = planned.coaching_session_id
    assert alice.last_reply.text == "⏰ In 1 hour (10:30): Lower A"
    assert alice.last_reply.button_data == [
        [f"rm:plan:{sid}", f"lg:p:{sid}"],
        [f"rm:done:{sid}"],
        [f"rm:cant:{sid}", f"th:n:s:{sid}"],
    ]
    await alice.press("📋 See plan")
    assert "Barbell Back Squat" in alice.last_reply.text


async def test_start_logging_from_the_reminder_opens_the_live_session(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching, planned = await reminded(app, session_factory, clock)
    alice = sim.user(2001, "Alice")
    await alice.press("▶️ Start logging")
    live = live_message(alice)
    assert "Set 1 of 3 · target 3×5 @ 100 kg" in live.text
    await alice.press("✓ As planned")
    [record] = await records(session_factory, coaching.profile.id)
    assert record.is_live
    assert record.coaching_session_id == planned.coaching_session_id
    assert len(await sets_of(session_factory, record.id)) == 1


async def test_done_as_prescribed_logs_every_target_after_confirmation(
    app: SpotterApplication,
    sim: ChatSimulator,
    session_factory: Factory,
    clock: ManualClock,
) -> None:
    coaching, planned = await reminded(app, session_factory, clock)
    alice, tom = sim.user(2001, "Alice"), sim.user(1001, "Tom")
    await alice.press("✅ Done as prescribed")
    assert alice.last_reply.text == "Log every planned set of Lower A as prescribed?"
    await alice.press("✖ No")
    assert "nothing was logged" in alice.last_reply.text
    assert await records(session_factory) == []

    clock.set(REMINDER_AT + timedelta(hours=2))
    await alice.press("✅ Done as prescribed", message_id=reminder_id(alice))
    await alice.press("✅ Yes, log it")
    [record] = await records(session_factory, coaching.profile.id)
    assert (record.status, record.completed, record.is_live) == (
        RecordStatus.COMPLETED,
        True,
        False,
    )
    stored = await sets_of(session_factory, record.id)
    assert [(s.weight_kg, s.reps) for s in stored] == [(Decimal(100), 5)] * 3 + [
        (Decimal(80), 8)
    ] * 2
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert booked.status is SessionStatus.COMPLETED
    assert any("Session complete" in r.text for r in alice.replies)
    assert "How hard was" in alice.last_reply.text, "the session's time passed: ask now"
    assert any("logged it as prescribed" in r.text for r in tom.replies)

    # A second tap (or a re-delivered update) logs nothing more.
    await alice.press("✅ Done as prescribed", message_id=reminder_id(alice))
    assert alice.last_answer == "This session is already done."
    assert len(await records(session_factory)) == 1


async def test_done_early_queues_the_feedback_prompt_for_after_the_session(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, _ = await reminded(app, session_factory, clock)
    alice = sim.user(2001, "Alice")
    await alice.press("✅ Done as prescribed")
    await alice.press("✅ Yes, log it")
    assert alice.last_reply.text == "I'll ask how it went after the session, at 11:30."
    async with session_factory() as session:
        prompt = (
            await session.execute(
                select(Reminder).where(Reminder.kind == ReminderKind.FEEDBACK_PROMPT)
            )
        ).scalar_one()
    assert prompt.due_at == REMINDER_AT + timedelta(hours=1)
    clock.set(REMINDER_AT + timedelta(hours=1))
    await dispatch_due(app.bot, app.services.ctx)
    assert "How hard was <b>Lower A</b>" in alice.last_reply.raw["text"] or (
        "How hard was Lower A" in alice.last_reply.text
    )
    await alice.press("7")
    assert "RPE 7 saved" in alice.last_reply.text


async def test_cant_make_it_with_a_new_time_and_the_trainer_accepts(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, planned = await reminded(app, session_factory, clock)
    alice, tom = sim.user(2001, "Alice"), sim.user(1001, "Tom")
    await alice.press("🙅 Can't make it")
    assert "What's the reason?" in alice.last_reply.text
    await alice.press("💼 Work")
    assert "When could you do it instead?" in alice.last_reply.text
    await alice.send("yesterday 18:00")
    assert "has already passed" in alice.last_reply.text, "bad input: same step"
    await alice.send("gibberish o'clock")
    assert "⚠️" in alice.last_reply.text
    await alice.send("tomorrow 18:00")
    assert "Sent to Tom, proposing Tue 24 Nov, 18:00" in alice.last_reply.text
    request = tom.last_reply
    assert "Alice can't make Lower A" in request.text
    assert "Reason: work" in request.text
    assert "Proposed instead: Tue 24 Nov, 18:00" in request.text

    await alice.press_data(request.button_data[0][0])
    assert alice.last_answer_alert, "only the trainer accepts"

    accept = request.button_data[0][0]
    await tom.press("✅ Accept")
    assert "Moved Lower A with Alice to Tue 24 Nov, 18:00" in tom.last_reply.text
    assert "Tom moved Lower A to Tue 24 Nov, 18:00" in alice.last_reply.text
    old = await appointment(session_factory, planned.coaching_session_id)
    assert old.status is SessionStatus.RESCHEDULED
    assert old.status_reason == "Rescheduled"
    async with session_factory() as session:
        moved = (
            await session.execute(
                select(CoachingSession).where(
                    CoachingSession.rescheduled_from_id == planned.coaching_session_id
                )
            )
        ).scalar_one()
        pending = (
            (
                await session.execute(
                    select(Reminder).where(
                        Reminder.coaching_session_id == moved.id,
                        Reminder.status == ReminderStatus.PENDING,
                    )
                )
            )
            .scalars()
            .all()
        )
    assert moved.scheduled_at == datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    assert len(pending) == 2, "reminders re-derived for the new time"

    await tom.press_data(accept, message_id=request.message_id)
    assert tom.last_answer is not None
    assert "moved" in tom.last_answer


async def test_cant_make_it_other_reason_no_time_trainer_picks_another_or_cancels(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, planned = await reminded(app, session_factory, clock)
    alice, tom = sim.user(2001, "Alice"), sim.user(1001, "Tom")
    await alice.press("🙅 Can't make it")
    await alice.press("Other")
    await alice.send("   ")
    assert "⚠️" in alice.last_reply.text
    await alice.send("family visit")
    await alice.press("No new time")
    assert alice.last_reply.text == "📨 Sent to Tom. I'll tell you what they decide."
    assert "No new time proposed." in tom.last_reply.text
    assert "✅ Accept" not in tom.last_reply.flat_buttons
    request_id = tom.last_reply.message_id

    await tom.press("🔄 Pick another time")
    assert "New time for Lower A with Alice" in tom.last_reply.text
    await tom.send("not a time")
    assert "⚠️" in tom.last_reply.text
    await tom.send("/cancel")
    assert (await appointment(session_factory, planned.coaching_session_id)).status is (
        SessionStatus.SCHEDULED
    )
    await tom.press("🔄 Pick another time", message_id=request_id)
    await tom.send("wednesday 07:00")
    assert "Moved Lower A with Alice to Wed 25 Nov, 07:00" in tom.last_reply.text
    assert "moved Lower A to Wed 25 Nov, 07:00" in alice.last_reply.text


async def test_trainer_cancels_after_cant_make_it(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, planned = await reminded(app, session_factory, clock)
    alice, tom = sim.user(2001, "Alice"), sim.user(1001, "Tom")
    await alice.press("🙅 Can't make it")
    await alice.press("🤒 I'm ill")
    await alice.press("No new time")
    await tom.press("✖ Cancel session")
    assert "Cancelled Lower A with Alice" in tom.last_reply.text
    assert "Tom cancelled Lower A" in alice.last_reply.text
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert booked.status is SessionStatus.CANCELLED


async def test_reminder_buttons_refuse_anyone_else_and_forged_data(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, planned = await reminded(app, session_factory, clock)
    sid = planned.coaching_session_id
    tom = sim.user(1001, "Tom")
    await tom.send("/help")
    for data in (
        f"rm:done:{sid}",
        f"rm:dy:{sid}",
        f"rm:cant:{sid}",
        f"rm:r:{sid}:ill",
        f"rm:done:{sid + 99}",
        "rm:done:x",
        f"rm:r:{sid}:zzz",
    ):
        await tom.press_data(data)
        assert tom.last_answer_alert, data
    assert tom.last_answer is not None
    assert await records(session_factory) == []
    assert (await appointment(session_factory, sid)).status is SessionStatus.SCHEDULED
    alice = sim.user(2001, "Alice")
    for data in (
        f"rm:ok:{sid}:{int(REMINDER_AT.timestamp() // 60) + 600}",
        f"rm:x:{sid}",
        f"rm:pt:{sid}",
    ):
        await alice.press_data(data)
        assert alice.last_answer_alert, data
    assert (await appointment(session_factory, sid)).status is SessionStatus.SCHEDULED
