"""/settings, a reminder's "See plan" button, and blocking the bot, through the chat simulator."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.application import SpotterApplication
from bot.dispatch import dispatch_due
from coaching.clock import ManualClock
from coaching.domain.enums import ReminderKind, ReminderStatus, Units
from coaching.services.reminders import reminders_for_session_changed
from storage.models import CoachingSession, Reminder, TrainerProfile, User
from storage.uow import UnitOfWork
from tests.factories import Coaching, make_coaching, make_user
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]
TRAINER, CLIENT = 500, 600


def u(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def _people(factory: Factory) -> Coaching:
    trainer = await make_user(factory, TRAINER, "Tina", trainer=True)
    client = await make_user(factory, CLIENT, "Carl", client=True, timezone="Europe/London")
    return await make_coaching(factory, trainer, client, name="Carl Jones")


async def _book(factory: Factory, coaching: Coaching, at: datetime, now: datetime) -> int:
    async with UnitOfWork(factory) as uow:
        row = CoachingSession(
            relationship_id=coaching.relationship.id,
            title="Leg day",
            description="Heavy squats, then accessories.",
            location="Gym West",
            scheduled_at=at,
            created_by=coaching.trainer.id,
        )
        uow.add(row)
        await uow.flush()
        await reminders_for_session_changed(uow, row.id, now)
        await uow.commit()
        return row.id


async def _user(factory: Factory, telegram_id: int) -> User:
    async with factory() as session:
        found = await session.execute(select(User).where(User.telegram_id == telegram_id))
        return found.scalar_one()


async def _pending(factory: Factory) -> dict[ReminderKind, datetime]:
    async with factory() as session:
        rows = await session.execute(
            select(Reminder).where(Reminder.status == ReminderStatus.PENDING)
        )
        return {r.kind: r.due_at for r in rows.scalars()}


async def test_client_changes_reminder_times_in_one_message(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await _people(session_factory)
    await _book(session_factory, coaching, u("2026-11-25 18:00"), clock.now())
    carl = sim.user(CLIENT, "Carl")

    await carl.send("/settings")
    screen = carl.last_reply
    assert "Your settings" in screen.text
    assert "Time zone: Europe/London" in screen.text
    assert "Evening-before reminder: 19:00" in screen.text
    assert "Reminder before a session: 1 hour" in screen.text
    assert "Quiet hours: 22:00–07:00" in screen.text
    assert "Daily digest" not in screen.text
    assert "Digest time" not in screen.flat_buttons

    await carl.press("Evening reminder")
    assert carl.last_reply.message_id == screen.message_id, "the screen is edited in place"
    assert "the evening before" in carl.last_reply.text

    await carl.send("7")
    assert "'7' on its own could be morning or evening. Write 07:00, 19:00 or 7pm." in (
        carl.last_reply.text
    )
    assert "Now: 19:00" in carl.last_reply.text, "the question shows the stored time"
    assert (await _user(session_factory, CLIENT)).evening_reminder_time == time(19, 0)

    await carl.send("20:30")
    assert "reminder at 20:30 the evening before" in carl.last_reply.text
    assert "Evening-before reminder: 20:30" in carl.last_reply.text
    assert (await _user(session_factory, CLIENT)).evening_reminder_time == time(20, 30)
    assert (await _pending(session_factory))[ReminderKind.EVENING_BEFORE] == u("2026-11-24 20:30")

    await carl.press("Before a session")
    await carl.send("soon")
    assert "not a lead time I can read" in carl.last_reply.text
    assert "90 min" in carl.last_reply.text
    await carl.press("2 hours")
    assert "Reminder before a session: 2 hours" in carl.last_reply.text
    assert (await _pending(session_factory))[ReminderKind.BEFORE_SESSION] == u("2026-11-25 16:00")

    await carl.press("Quiet hours")
    await carl.send("22:00")
    assert "not a time range I can read" in carl.last_reply.text
    assert "22:00-07:00" in carl.last_reply.text
    await carl.send("23:00 to 6am")
    assert "Quiet hours: 23:00–06:00" in carl.last_reply.text
    user = await _user(session_factory, CLIENT)
    assert (user.quiet_start, user.quiet_end) == (time(23, 0), time(6, 0))

    await carl.press("Evening reminder")
    await carl.press("Off")
    assert "Evening-before reminder: off" in carl.last_reply.text
    assert ReminderKind.EVENING_BEFORE not in await _pending(session_factory)

    await carl.press("Done")
    assert "Settings saved" in carl.last_reply.text
    assert carl.last_reply.buttons == []


async def test_time_zone_change_moves_reminders(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await _people(session_factory)
    await _book(session_factory, coaching, u("2026-11-25 18:00"), clock.now())
    carl = sim.user(CLIENT, "Carl")
    await carl.send("/settings")
    await carl.press("Time zone")
    await carl.send("Mars/Olympus")
    assert "I don't know a time zone or city called “Mars/Olympus”" in carl.last_reply.text
    assert "Europe/Madrid" in carl.last_reply.text
    assert "Now: Europe/London" in carl.last_reply.text
    assert (await _user(session_factory, CLIENT)).timezone == "Europe/London"

    await carl.press("America/New_York")
    assert "Time zone set to America/New_York" in carl.last_reply.text
    assert (await _user(session_factory, CLIENT)).timezone == "America/New_York"
    # 19:00 EST on Tuesday is 00:00 UTC on Wednesday.
    assert (await _pending(session_factory))[ReminderKind.EVENING_BEFORE] == u("2026-11-25 00:00")


async def test_units_switch(sim: ChatSimulator, session_factory: Factory) -> None:
    await _people(session_factory)
    carl = sim.user(CLIENT, "Carl")
    await carl.send("/settings")
    await carl.press("Switch to lb")
    assert "Weights now show in lb" in carl.last_reply.text
    assert "⚖️ Switch to kg" in carl.last_reply.flat_buttons
    assert (await _user(session_factory, CLIENT)).units is Units.LB


async def test_trainer_sets_the_digest_time_only(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await _people(session_factory)
    tina = sim.user(TRAINER, "Tina")
    await tina.send("/settings")
    assert "Daily digest: 07:30" in tina.last_reply.text
    assert "Evening reminder" not in " ".join(tina.last_reply.flat_buttons)

    await tina.press_data("set:open:eve")
    assert tina.last_answer == "That setting is for clients."
    assert tina.last_answer_alert

    await tina.press("Digest time")
    await tina.send("breakfast")
    assert "07:30 or 8am" in tina.last_reply.text
    await tina.send("8am")
    assert "daily digest will arrive at 08:00" in tina.last_reply.text
    async with session_factory() as session:
        profile = (await session.execute(select(TrainerProfile))).scalar_one()
    assert profile.digest_time == time(8, 0)


async def test_cancel_mid_step_changes_nothing(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await _people(session_factory)
    carl = sim.user(CLIENT, "Carl")
    await carl.send("/settings")
    await carl.press("Before a session")
    await carl.send("/cancel")
    assert "Cancelled. What you already saved is kept." in carl.last_reply.text
    assert (await _user(session_factory, CLIENT)).reminder_lead_minutes == 60
    await carl.send("45")
    assert "not expecting a message" in carl.last_reply.text


async def test_forged_and_stale_settings_buttons(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await _people(session_factory)
    carl = sim.user(CLIENT, "Carl")
    await carl.send("/settings")
    await carl.press("Evening reminder")
    await carl.press_data("set:eve:9999")
    assert carl.last_answer == "That button is not one of the choices."
    assert (await _user(session_factory, CLIENT)).evening_reminder_time == time(19, 0)

    await carl.press("Back")
    await carl.press("Time zone")
    await carl.press_data("set:tz:Mars/Olympus")
    assert carl.last_answer is not None
    assert "I don't know a time zone or city called" in carl.last_answer
    assert (await _user(session_factory, CLIENT)).timezone == "Europe/London"

    await carl.press("Back")
    await carl.press("Done")
    await carl.press_data("set:open:lead")
    assert carl.last_answer == "This button has expired. Send /help to start again."


async def test_settings_need_registration(sim: ChatSimulator) -> None:
    nina = sim.user(900, "Nina")
    await nina.send("/settings")
    assert "Send /start first" in nina.last_reply.text


async def test_see_plan_from_a_reminder_and_forged_presses(
    sim: ChatSimulator,
    app: SpotterApplication,
    api: FakeBotAPI,
    session_factory: Factory,
    clock: ManualClock,
) -> None:
    coaching = await _people(session_factory)
    session_id = await _book(session_factory, coaching, u("2026-11-25 18:00"), clock.now())
    clock.set(u("2026-11-24 19:00"))
    await dispatch_due(app.bot, app.services.ctx, worker="w")
    carl = sim.user(CLIENT, "Carl")
    reminder = carl.last_reply
    assert reminder.text.startswith("🔔 Tomorrow at 18:00: Leg day")

    await carl.press("See plan")
    details = carl.last_reply
    assert details.message_id != reminder.message_id, "the reminder stays as it was"
    assert "Leg day" in details.text
    assert "Wednesday 25 Nov, 18:00" in details.text
    assert "With Tina" in details.text
    assert "Gym West" in details.text
    assert "Heavy squats" in details.text

    mallory = await make_user(session_factory, 666, "Mallory", client=True)
    assert mallory.id
    eve = sim.user(666, "Mallory")
    await eve.send("/settings")
    for data in (f"rm:plan:{session_id}", "rm:plan:999999", "rm:plan:x"):
        await eve.press_data(data)
        assert eve.last_answer == "This button is not for a session of yours."
        assert eve.last_answer_alert
    assert "Leg day" not in " ".join(r.text for r in eve.replies)


async def test_blocking_and_unblocking_the_bot(
    sim: ChatSimulator, api: FakeBotAPI, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await _people(session_factory)
    await _book(session_factory, coaching, u("2026-11-25 18:00"), clock.now())
    carl = sim.user(CLIENT, "Carl")
    tina = sim.user(TRAINER, "Tina")

    await carl.block_bot()
    assert tina.last_reply.text == (
        "⚠️ Carl Jones has blocked Spotter; reminders are paused until they come back."
    )
    assert (await _user(session_factory, CLIENT)).reachable is False
    assert await _pending(session_factory) == {}

    await carl.unblock_bot()
    assert (await _user(session_factory, CLIENT)).reachable is True
    assert await _pending(session_factory) == {
        ReminderKind.EVENING_BEFORE: u("2026-11-24 19:00"),
        ReminderKind.BEFORE_SESSION: u("2026-11-25 17:00"),
    }
