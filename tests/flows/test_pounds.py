"""People who train in pounds see loads in pounds that make sense, and nothing drifts.

A client in lb logs a session planned in kg; a trainer in kg types a template line in lb; a
trainer in lb enters a new client's body weight.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from coaching.clock import ManualClock
from coaching.domain.enums import Units
from storage.models import ClientProfile, ExerciseTemplate
from tests.factories import (
    Factory,
    live_message,
    make_user,
    plan_session,
    records,
    sets_of,
    trainer_and_client,
)
from tests.fakes.chat import ChatSimulator


async def test_a_client_in_pounds_logs_the_kilogram_plan_in_whole_pounds(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    await plan_session(session_factory, coaching, at=clock.now() + timedelta(hours=2))
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await alice.send("/settings")
    await alice.press("Switch to lb")
    assert "Weights now show in lb" in alice.last_reply.text

    await alice.send("/log")
    await alice.press("Lower A")
    live = live_message(alice).text
    assert "target 3×5 @ 220 lb, RPE 8, rest 3:00" in live, live
    assert "+5" in live_message(alice).flat_buttons

    await alice.press("✓ As planned")
    assert "1. 220 lb × 5 @8" in live_message(alice).text
    await alice.press("+5")
    assert "2. 225 lb × 5" in live_message(alice).text
    await alice.press("+5")
    assert "3. 230 lb × 5" in live_message(alice).text
    await alice.press("Same")
    assert "4. 230 lb × 5" in live_message(alice).text
    await alice.press("−5")
    assert "5. 225 lb × 5" in live_message(alice).text
    await alice.send("same")
    assert "6. 225 lb × 5" in live_message(alice).text
    text = live_message(alice).text
    for odd in ("220.5", "220.46", "225.46", "230.46"):
        assert odd not in text, text

    [record] = await records(session_factory, coaching.profile.id)
    stored = await sets_of(session_factory, record.id)
    assert [(s.weight_kg, s.reps, s.entered_unit) for s in stored] == [
        (Decimal("99.790"), 5, Units.LB),
        (Decimal("102.058"), 5, Units.LB),
        (Decimal("104.326"), 5, Units.LB),
        (Decimal("104.326"), 5, Units.LB),
        (Decimal("102.058"), 5, Units.LB),
        (Decimal("102.058"), 5, Units.LB),
    ]

    # The trainer in kg sees the loads as they were logged: 230 lb, not 104.33 kg.
    clock.advance(minutes=30)
    await alice.press("🏁 Finish")
    await alice.press("Yes, finish")
    [own] = [r.text for r in alice.replies if "Session complete" in r.text]
    [trainer_copy] = [r.text for r in tom.replies if "Session complete" in r.text]
    assert "best 230 lb × 5" in own
    assert "6,775 lb volume" in own
    assert "best 230 lb × 5" in trainer_copy
    assert "104.3" not in trainer_copy


async def test_a_set_in_kilograms_stays_in_kilograms_for_a_user_in_pounds(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await make_user(session_factory, 3001, "Cleo", client=True, units=Units.LB)
    cleo = sim.user(3001, "Cleo")
    await cleo.send("/log")
    await cleo.press("My own workout")
    await cleo.send("deadlift")
    await cleo.press("Barbell Deadlift")
    await cleo.send("100kg x 5")
    assert "1. 100 kg × 5" in live_message(cleo).text
    assert "+2.5" in live_message(cleo).flat_buttons, "the step follows the unit typed"
    await cleo.press("+2.5")
    assert "2. 102.5 kg × 5" in live_message(cleo).text
    await cleo.send("+5 lb")
    assert "3. 231 lb × 5" in live_message(cleo).text
    await cleo.send("abc")
    assert "Couldn't read" in cleo.last_reply.text
    assert "100x5" in cleo.last_reply.text, "an error gives an example"

    [record] = await records(session_factory)
    stored = await sets_of(session_factory, record.id)
    assert [(s.weight_kg, s.entered_unit) for s in stored] == [
        (Decimal("100.000"), Units.KG),
        (Decimal("102.500"), Units.KG),
        (Decimal("104.780"), Units.LB),
    ]


async def test_a_kilogram_trainer_sees_a_pound_template_line_in_kilograms(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 1001, "Tara", trainer=True)
    tara = sim.user(1001, "Tara")
    await tara.send("/templates")
    await tara.press("New template")
    await tara.send("Upper A")
    await tara.send("Bench 5x5 @225lb")
    text = tara.last_reply.text
    assert "Added 1 exercise" in text, text
    assert "5×5 @ 102.06 kg" in text
    assert "102.058" not in text

    async with session_factory() as session:
        row = (await session.execute(select(ExerciseTemplate))).scalar_one()
    assert row.target_weight_kg == Decimal("102.058"), "stored as exactly 225 lb"


async def test_a_pound_trainer_sees_a_kilogram_template_in_whole_pounds(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 1001, "Lou", trainer=True, units=Units.LB)
    lou = sim.user(1001, "Lou")
    await lou.send("/templates")
    await lou.press("New template")
    await lou.send("Lower B")
    await lou.send("Back squat 3x5 @80kg\nBench 5x5 @102.5")
    text = lou.last_reply.text
    assert "3×5 @ 176 lb" in text, text
    assert "5×5 @ 102.5 lb" in text
    assert "176.37" not in text


async def test_a_pound_trainer_sees_the_new_clients_weight_as_typed(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 1001, "Lou", trainer=True, units=Units.LB)
    lou = sim.user(1001, "Lou")
    await lou.send("/newclient")
    await lou.send("Maria Lopez")
    await lou.press("Add details")
    while "Height" not in lou.last_reply.text:
        await lou.press("Skip")
    await lou.send("5'11\"")
    assert "Weight" in lou.last_reply.text
    await lou.send("heavy")
    assert "I can't read “heavy” as a weight" in lou.last_reply.text
    assert "For example" in lou.last_reply.text
    await lou.send("150")
    while "Check the new client" not in lou.last_reply.text:
        await lou.press("Skip")
    summary = lou.last_reply.text
    assert "Weight: 150 lb" in summary, summary
    assert "Height: 5'11\"" in summary
    assert "68.04" not in summary
    assert "180.3" not in summary

    await lou.press("Edit a detail")
    await lou.press("Weight")
    await lou.send("68 kg")
    assert "Weight: 68 kg (149.9 lb)" in lou.last_reply.text

    await lou.press("Create")
    async with session_factory() as session:
        profile = (await session.execute(select(ClientProfile))).scalar_one()
    assert profile.current_weight_kg == Decimal("68.00")


async def test_a_kilogram_trainer_typing_pounds_sees_both(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 1001, "Tara", trainer=True)
    tara = sim.user(1001, "Tara")
    await tara.send("/newclient")
    await tara.send("Maria Lopez")
    await tara.press("Add details")
    while "Weight" not in tara.last_reply.text:
        await tara.press("Skip")
    await tara.send("150 lb")
    while "Check the new client" not in tara.last_reply.text:
        await tara.press("Skip")
    assert "Weight: 150 lb (68.04 kg)" in tara.last_reply.text
    assert "Height: —" in tara.last_reply.text
    await tara.send("/cancel")
    async with session_factory() as session:
        assert (await session.execute(select(ClientProfile))).first() is None
