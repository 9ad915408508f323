"""Numbers mid-session: relative entries, extra sets, loads shown as typed, bodyweight volume.

Issue 16's "numbers that must be right", from the person's side: the card, "last time", the
summary and the record lines show a load in the unit and number it was typed in.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import Units
from tests.factories import finish_session as _finish
from tests.factories import (
    live_message,
    make_user,
    plan_session,
    records,
    sets_of,
    trainer_and_client,
)
from tests.fakes.chat import ChatSimulator, SimUser

Factory = async_sessionmaker[AsyncSession]


async def _own_deadlift(sim: ChatSimulator, factory: Factory, units: Units = Units.KG) -> SimUser:
    await make_user(factory, 3001, "Cleo", client=True, units=units)
    cleo = sim.user(3001, "Cleo")
    await cleo.send("/log")
    await cleo.press("My own workout")
    await cleo.send("deadlift")
    await cleo.press("Barbell Deadlift")
    return cleo


async def test_relative_entries_move_the_last_sets_load_whatever_it_was(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    cleo = await _own_deadlift(sim, session_factory)
    steps = [
        ("bw+10 x 8", "1. bw+10 kg × 8"),
        ("+10kg x 5", "2. bw+20 kg × 5"),  # the added load moves: bw+20, not bw+10
        ("-25", "3. bw-5 kg × 5"),  # below bodyweight is assisted
        ("225 lb x 5", "4. 225 lb × 5"),
        ("+10", "5. 235 lb × 5"),  # no unit: the unit the last set was typed in
        ("102.5x5", "6. 102.5 kg × 5"),
        ("+1.25", "7. 103.75 kg × 5"),  # plate-style steps stay exact
        ("-2.5 x 3", "8. 101.25 kg × 3"),  # a new rep count comes with the step
    ]
    for typed, shown in steps:
        await cleo.send(typed)
        assert shown in live_message(cleo).text, (typed, live_message(cleo).text)

    [record] = await records(session_factory)
    stored = await sets_of(session_factory, record.id)
    assert [(s.bodyweight, s.weight_kg, s.reps, s.entered_unit) for s in stored] == [
        (True, Decimal("10.000"), 8, Units.KG),
        (True, Decimal("20.000"), 5, Units.KG),
        (True, Decimal("-5.000"), 5, Units.KG),
        (False, Decimal("102.058"), 5, Units.LB),
        (False, Decimal("106.594"), 5, Units.LB),
        (False, Decimal("102.500"), 5, Units.KG),
        (False, Decimal("103.750"), 5, Units.KG),
        (False, Decimal("101.250"), 3, Units.KG),
    ]


async def test_a_relative_entry_that_goes_below_zero_is_refused_and_nothing_stored(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    cleo = await _own_deadlift(sim, session_factory)
    await cleo.send("20x5")
    await cleo.send("-25")
    assert "must stay above 0" in cleo.last_reply.text
    [record] = await records(session_factory)
    assert len(await sets_of(session_factory, record.id)) == 1


async def test_a_kilogram_user_sees_pounds_as_typed_everywhere(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    cleo = await _own_deadlift(sim, session_factory)
    await cleo.send("225 lb x 5")
    assert "1. 225 lb × 5" in live_message(cleo).text
    assert "+5" in live_message(cleo).flat_buttons, "steps of 5 lb for a set typed in lb"
    await cleo.press("+5")
    assert "2. 230 lb × 5" in live_message(cleo).text
    first = await _finish(cleo)
    assert "best 230 lb × 5" in first

    clock.advance(days=2)
    await cleo.send("/log")
    await cleo.press("My own workout")
    await cleo.send("deadlift")
    await cleo.press("Barbell Deadlift")
    assert "225 lb × 5, 230 lb × 5)" in live_message(cleo).text, "last time as typed"
    await cleo.send("245 lb x 3")
    summary = await _finish(cleo)
    assert "best 245 lb × 3" in summary
    assert "heaviest weight 245 lb, was 230 lb" in summary
    assert "e1RM 122.2 kg, was 121.7 kg" in summary, "an estimate is in the user's unit"
    for text in (first, summary, *(r.text for r in cleo.replies)):
        for converted in ("102.06", "104.33", "111.13"):
            assert converted not in text


async def test_an_extra_set_is_counted_as_extra_not_as_set_five_of_four(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    await plan_session(
        session_factory,
        coaching,
        at=clock.now() + timedelta(hours=1),
        exercises=(("barbell-back-squat", 2, 5, "100", None),),
    )
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    assert "Set 1 of 2" in live_message(tom).text
    await tom.send("3x5x100")
    card = live_message(tom).text
    assert "Set 4 (2 extra)" in card
    assert " of 2" not in card


async def test_bodyweight_volume_counts_added_load_and_says_so(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    cleo = await _own_deadlift(sim, session_factory)
    await cleo.send("bw+20 x 8")
    await cleo.send("bw x 10")
    summary = await _finish(cleo)
    assert "2 sets" in summary
    assert "volume 160 kg (added load only)" in summary
