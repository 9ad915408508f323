"""/schedule's session card starts (or resumes) live logging, and says what Complete records."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import SessionStatus
from coaching.domain.permissions import PermissionFlags
from tests.factories import (
    appointment,
    live_message,
    make_coaching,
    make_user,
    plan_session,
    records,
    sets_of,
    trainer_and_client,
)
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]
LOG_BUTTON = "🏋️ Log this session"


async def test_todays_session_card_starts_and_resumes_logging(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    planned = await plan_session(session_factory, coaching, at=clock.now() + timedelta(hours=1))
    later = await plan_session(
        session_factory, coaching, at=clock.now() + timedelta(days=1), title="Upper B"
    )
    tom = sim.user(1001, "Tom")

    await tom.send("/schedule")
    await tom.press("Tue 24 Nov 09:00 · Alice · Upper B")
    assert LOG_BUTTON not in tom.last_reply.flat_buttons, "not before the day of the session"
    await tom.press("⬅️ Back")
    await tom.press("Mon 23 Nov 10:00 · Alice · Lower A")
    card = tom.last_reply
    assert card.flat_buttons == [
        "🔄 Reschedule",
        "✖️ Cancel",
        LOG_BUTTON,
        "✅ Complete",
        "💬 Message",
        "⬅️ Back",
    ]

    await tom.press(LOG_BUTTON)
    live = live_message(tom)
    assert live.message_id == card.message_id, "the card becomes the live message"
    assert "Started <b>Lower A</b>" in live.text or "Started Lower A" in live.text
    assert "Barbell Back Squat" in live.text
    assert "Set 1 of 3" in live.text
    [record] = await records(session_factory)
    assert record.coaching_session_id == planned.coaching_session_id
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert booked.status is SessionStatus.IN_PROGRESS

    await tom.send("100x5")
    assert "Logged: 100 kg × 5" in live_message(tom).text

    # In progress: the card still offers it, and it resumes the same record.
    await tom.send("/schedule")
    await tom.press("Mon 23 Nov 10:00 · Alice · Lower A")
    assert "Status: in progress" in tom.last_reply.text
    await tom.press(LOG_BUTTON)
    live = live_message(tom)
    assert "Resuming" in live.text
    assert "Set 2 of 3" in live.text
    assert len(await records(session_factory)) == 1
    await tom.send("100x5")
    assert len(await sets_of(session_factory, record.id)) == 2

    await tom.press("🏁 Finish")
    await tom.press("Yes, finish")
    assert "Session complete" in tom.last_reply.text
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert booked.status is SessionStatus.COMPLETED

    # Completed: no log button; a stale one is refused and starts nothing.
    await tom.send("/schedule")
    await tom.press_data(f"sch:s:{planned.coaching_session_id}")
    assert LOG_BUTTON not in tom.last_reply.flat_buttons
    assert "✅ Complete" not in tom.last_reply.flat_buttons
    await tom.press_data(f"lg:p:{planned.coaching_session_id}")
    assert tom.last_answer == "This session is completed."
    assert len(await records(session_factory)) == 1
    assert (await appointment(session_factory, later.coaching_session_id)).status is (
        SessionStatus.SCHEDULED
    )


async def test_the_log_button_respects_the_clients_permission_and_forgery_is_refused(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(
        session_factory, flags=PermissionFlags(modify_workouts=False)
    )
    planned = await plan_session(session_factory, coaching, at=clock.now() + timedelta(hours=1))
    tom = sim.user(1001, "Tom")
    await tom.send("/schedule")
    await tom.press("Mon 23 Nov 10:00 · Alice · Lower A")
    assert LOG_BUTTON not in tom.last_reply.flat_buttons, "the client doesn't let Tom log"
    assert "✅ Complete" in tom.last_reply.flat_buttons

    dave = await make_user(session_factory, 4004, "Dave", trainer=True)
    erin = await make_user(session_factory, 5005, "Erin", client=True)
    await make_coaching(session_factory, dave, erin)
    dave_chat = sim.user(4004, "Dave")
    await dave_chat.send("/schedule")
    await dave_chat.press_data(f"lg:p:{planned.coaching_session_id}")
    assert dave_chat.last_answer == "I can't find that session among yours."
    assert await records(session_factory) == []
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert booked.status is SessionStatus.SCHEDULED


async def test_complete_without_logging_says_no_sets_are_recorded(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    planned = await plan_session(session_factory, coaching, at=clock.now() - timedelta(hours=1))
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await tom.send("/schedule")
    await tom.press("Mon 23 Nov 08:00 · Alice · Lower A")
    assert LOG_BUTTON in tom.last_reply.flat_buttons, "earlier today still counts"
    await tom.press("✅ Complete")
    assert "no sets" in tom.last_reply.text
    assert LOG_BUTTON in tom.last_reply.text
    await tom.send("Good session")
    await tom.press("Skip")
    done = tom.last_reply.text
    assert "Lower A with Alice is complete" in done
    assert "No sets were recorded" in done
    assert "No sets" not in alice.last_reply.text, "the client's notice is unchanged"
    assert await records(session_factory) == []
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert booked.status is SessionStatus.COMPLETED


async def test_completing_a_session_being_logged_keeps_its_sets(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    planned = await plan_session(session_factory, coaching, at=clock.now() - timedelta(hours=1))
    tom = sim.user(1001, "Tom")
    await tom.send("/schedule")
    await tom.press("Mon 23 Nov 08:00 · Alice · Lower A")
    await tom.press(LOG_BUTTON)
    await tom.send("100x5")
    await tom.send("/cancel")
    assert "Logging paused" in tom.last_reply.text

    await tom.send("/schedule")
    await tom.press("Mon 23 Nov 08:00 · Alice · Lower A")
    await tom.press("✅ Complete")
    await tom.send("Cut short")
    await tom.press("Skip")
    done = tom.last_reply.text
    assert "Lower A with Alice is complete" in done
    assert "No sets were recorded" not in done
    assert "sets logged live stay in that session" in done

    await tom.send("/log")
    await tom.press("🔴 Alice")
    await tom.press("🏁 Finish")
    await tom.press("Yes, finish")
    assert "Session complete" in tom.last_reply.text
    [record] = await records(session_factory)
    assert record.completed
    assert len(await sets_of(session_factory, record.id)) == 1
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert (booked.status, booked.trainer_notes) == (SessionStatus.COMPLETED, "Cut short")
