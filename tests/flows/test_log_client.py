"""/log for a client: their own workout, their trainer's planned session, the feedback prompt."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from coaching.clock import ManualClock
from coaching.domain.enums import RecordStatus, SessionStatus, Units
from coaching.domain.permissions import PermissionFlags
from storage.models import ClientProfile
from tests.factories import (
    Factory,
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


async def test_client_logs_their_own_workout_in_pounds(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await make_user(session_factory, 3001, "Cleo", client=True, units=Units.LB)
    cleo = sim.user(3001, "Cleo")
    await cleo.send("/log")
    assert "Nothing is planned for you today" in cleo.last_reply.text
    await cleo.press("My own workout")
    assert "Started <b>" not in live_message(cleo).text
    assert "My workout" in live_message(cleo).text
    assert "· Cleo" not in live_message(cleo).text, "a client's own view has no client name"

    await cleo.send("deadlift")
    await cleo.press("Barbell Deadlift")
    await cleo.send("225x5")
    await cleo.press("+5")
    assert "2. 230 lb × 5" in live_message(cleo).text
    await cleo.send("100kg x 3 @9")
    assert "3. 100 kg × 3 @9" in live_message(cleo).text, "shown as it was typed"
    clock.advance(minutes=30)
    await cleo.press("🏁 Finish")
    await cleo.press("Yes, finish")
    summary = [r.text for r in cleo.replies if "Session complete" in r.text]
    assert summary, cleo.transcript()
    assert "lb volume" in summary[-1]
    assert "How hard was" in cleo.last_reply.text

    async with session_factory() as session:
        [profile] = (await session.execute(select(ClientProfile))).scalars().all()
    assert profile.trainer_user_id is None, "self-logged data lives on the self profile"
    [record] = await records(session_factory, profile.id)
    assert record.trainer_user_id is None
    assert (record.status, record.is_live) == (RecordStatus.COMPLETED, False)
    stored = await sets_of(session_factory, record.id)
    assert [(s.weight_kg, s.reps, s.entered_unit) for s in stored] == [
        (Decimal("102.058"), 5, Units.LB),
        (Decimal("104.326"), 5, Units.LB),
        (Decimal("100.000"), 3, Units.KG),
    ]

    await cleo.press("10")
    assert "RPE 10 saved" in cleo.last_reply.text
    [record] = await records(session_factory, profile.id)
    assert record.trainee_feedback["rpe"] == 10


async def test_client_logs_the_planned_session_and_trainer_gets_a_limited_summary(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    flags = PermissionFlags(view_workout_history=False, view_progression_data=False)
    coaching = await trainer_and_client(session_factory, flags=flags)
    planned = await plan_session(session_factory, coaching, at=clock.now() + timedelta(hours=2))
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")

    await alice.send("/log")
    assert "Planned for today" in alice.last_reply.text
    assert "11:00 Lower A with Tom" in alice.last_reply.text
    await alice.press("Lower A")
    live = live_message(alice)
    assert "Set 1 of 3 · target 3×5 @ 100 kg, RPE 8, rest 3:00" in live.text
    await alice.press("✓ As planned")
    assert "1. 100 kg × 5 @8" in live_message(alice).text
    await alice.send("100 x 5")
    await alice.send("100*5")
    await alice.press("Next ›")
    await alice.send("8@80")
    await alice.press("🏁 Finish")
    await alice.press("Yes, finish")

    assert "Session complete" in alice.replies[-2].text
    assert "How hard was" in alice.last_reply.text
    [trainer_copy] = [r.text for r in tom.replies if "Session complete" in r.text]
    assert "has not shared their workout history" in trainer_copy
    assert "has not shared their progress data" in trainer_copy
    assert "e1RM 1" not in trainer_copy
    assert "4 sets" in trainer_copy
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert booked.status is SessionStatus.COMPLETED
    [record] = await records(session_factory, coaching.profile.id)
    assert record.logged_by_user_id == coaching.client.id if coaching.client else False


async def test_a_client_with_a_live_session_resumes_it_on_log(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await make_user(session_factory, 3001, "Cleo", client=True)
    cleo = sim.user(3001, "Cleo")
    await cleo.send("/log")
    await cleo.press("My own workout")
    await cleo.send("squat")
    await cleo.press("Barbell Back Squat")
    await cleo.send("60x5")
    first_live = live_message(cleo).message_id
    await cleo.send("/help")
    await cleo.send("/log")
    live = live_message(cleo)
    assert live.message_id != first_live, "a new live message at the bottom of the chat"
    assert "Resuming" in live.text
    assert "Set 2" in live.text
    assert first_live not in [r.message_id for r in cleo.replies], "the old card is deleted"
    await cleo.send("60x5")
    [record] = await records(session_factory)
    assert len(await sets_of(session_factory, record.id)) == 2


async def test_a_trainer_who_is_also_a_client_can_log_their_own(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    both = await make_user(session_factory, 4001, "Dana", trainer=True, client=True)
    client = await make_user(session_factory, 4002, "Eli", client=True)
    await make_coaching(session_factory, both, client)
    dana = sim.user(4001, "Dana")
    await dana.send("/log")
    assert dana.last_reply.flat_buttons == ["Eli", "🙋 My own workout"]
    await dana.press("My own workout")
    assert "Nothing is planned for you today" in dana.last_reply.text
    await dana.press("‹ Back")
    assert "Who are you training" in dana.last_reply.text
    await dana.press("My own workout")
    await dana.press("🏋️ My own workout")
    assert "My workout" in live_message(dana).text


async def test_feedback_buttons_only_work_for_the_client_of_a_finished_session(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 3001, "Cleo", client=True)
    await make_user(session_factory, 3002, "Finn", client=True)
    cleo, finn = sim.user(3001, "Cleo"), sim.user(3002, "Finn")
    await cleo.send("/log")
    await cleo.press("My own workout")
    [record] = await records(session_factory)
    await cleo.press_data(f"fb:rpe:{record.id}:7")
    assert cleo.last_answer == "You can rate a session once it is finished."
    await cleo.send("plank")
    await cleo.press("Plank")
    await cleo.send("45s")
    await cleo.press("🏁 Finish")
    await cleo.press("Yes, finish")

    await finn.send("/start")
    await finn.press_data(f"fb:rpe:{record.id}:3")
    assert finn.last_answer == "I can't find that session among yours."
    await cleo.press_data(f"fb:rpe:{record.id}:11")
    assert cleo.last_answer is not None
    assert "1 to 10" in cleo.last_answer
    [record] = await records(session_factory)
    assert record.trainee_feedback == {}
