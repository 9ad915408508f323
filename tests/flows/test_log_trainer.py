"""/log for a trainer: pick a client, log a planned session set by set, finish with a summary.

The helpers that build programs and appointments straight in the database are in
tests/factories.py, shared with the client and security tests.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from coaching.clock import ManualClock
from coaching.domain.enums import RecordStatus, SessionStatus, SetType, Units
from coaching.services.live.common import _LastTimes
from storage.models import (
    ProgramModification,
)
from tests.factories import (
    Factory,
    appointment,
    exercise_rows,
    live_message,
    make_user,
    plan_session,
    records,
    sets_of,
    trainer_and_client,
)
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator, SimUser

# --------------------------------------------------------------------------- tests


async def test_trainer_logs_a_planned_session_from_start_to_summary(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock, api: FakeBotAPI
) -> None:
    coaching = await trainer_and_client(session_factory)
    planned = await plan_session(session_factory, coaching, at=clock.now() + timedelta(hours=1))
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")

    await tom.send("/log")
    assert "Who are you training" in tom.last_reply.text
    assert tom.last_reply.flat_buttons[0] == "🗓 Alice"
    await tom.press("Alice")
    assert "Planned for today" in tom.last_reply.text
    await tom.press("Lower A")

    live = live_message(tom)
    assert "Started" in live.text
    assert "Barbell Back Squat" in live.text
    assert "Set 1 of 3 · target 3×5 @ 100 kg, RPE 8, rest 3:00" in live.text
    assert "Last time: first time" in live.text
    assert (await appointment(session_factory, planned.coaching_session_id)).status is (
        SessionStatus.IN_PROGRESS
    )
    [record] = await records(session_factory)
    assert (record.is_live, record.status) == (True, RecordStatus.LIVE)
    assert record.coaching_session_id == planned.coaching_session_id

    await tom.send("100x5")
    live = live_message(tom)
    assert live.message_id == tom.replies[-1].message_id or live.edited
    assert "Logged: 100 kg × 5" in live.text
    assert "Set 2 of 3" in live.text
    assert "1. 100 kg × 5" in live.text

    await tom.press("@8")
    assert "RPE 8 noted" in live_message(tom).text
    await tom.press("Same")
    await tom.press("+2.5")
    live = live_message(tom)
    assert "3. 102.5 kg × 5" in live.text
    assert "All 3 planned sets done" in live.text

    stored = await sets_of(session_factory, record.id)
    assert [(s.weight_kg, s.reps, s.rpe) for s in stored] == [
        (Decimal("100.000"), 5, Decimal("8.0")),
        (Decimal("100.000"), 5, None),
        (Decimal("102.500"), 5, None),
    ]
    assert all(s.performed_at == clock.now() for s in stored)

    await tom.press("Next ›")
    live = live_message(tom)
    assert "Romanian Deadlift" in live.text
    assert "Set 1 of 2" in live.text
    await tom.press("✓ As planned")
    await tom.send("80 x 8 rir2")
    clock.advance(minutes=50)

    await tom.press("🏁 Finish")
    assert "Finish <b>" not in live_message(tom).text
    assert "5 sets logged" in live_message(tom).text
    await tom.press("Yes, finish")

    summary = tom.last_reply.text
    assert "Session complete" in summary
    assert "50 min" in summary
    assert "5 sets" in summary
    assert "Barbell Back Squat" in summary
    assert "5 sets · 2,793 kg volume" in summary, "the total is whole kilograms"
    assert "volume 1,513 kg" in summary
    client_messages = [r.text for r in alice.replies]
    assert any("Session complete" in t for t in client_messages)
    assert "How hard was" in alice.last_reply.text
    assert alice.last_reply.flat_buttons == [str(n) for n in range(1, 11)]

    [record] = await records(session_factory)
    assert (record.is_live, record.completed, record.status) == (
        False,
        True,
        RecordStatus.COMPLETED,
    )
    assert record.end_time == clock.now()
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert booked.status is SessionStatus.COMPLETED

    await alice.press("8")
    assert "RPE 8 saved" in alice.last_reply.text
    [record] = await records(session_factory)
    assert record.trainee_feedback["rpe"] == 8
    assert any("rated <b>Lower A</b>" in r.text or "rated Lower A" in r.text for r in tom.replies)


async def test_unplanned_session_every_button(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    assert "Nothing is planned for Alice today" in tom.last_reply.text
    await tom.press("Unplanned session")
    assert "Type the first exercise" in live_message(tom).text

    await tom.send("bench")
    assert "Which one did you mean" in tom.last_reply.text
    await tom.press("Barbell Bench Press")
    live = live_message(tom)
    assert "Barbell Bench Press" in live.text
    assert "✓ As planned" not in live.flat_buttons, "no plan, no planned button"

    await tom.send("60x10 warm-up")
    await tom.send("3x5x80")
    live = live_message(tom)
    assert "Set 4" in live.text, "warm-ups do not count as working sets"
    await tom.press("−2.5")
    await tom.press("More…")
    assert "Last: warm-up" in live_message(tom).flat_buttons
    await tom.press("Last: drop")
    await tom.press("More…")
    await tom.press("Next: failure")
    assert "Next set: failure" in live_message(tom).text
    await tom.send("70x6")
    await tom.press("More…")
    await tom.press("Form 4")
    await tom.press("More…")
    await tom.press("Note")
    assert "form note" in live_message(tom).text
    await tom.send("Elbows flaring")
    assert "Note saved" in live_message(tom).text
    await tom.press("↩ Undo")
    assert "Last set removed" in live_message(tom).text

    [record] = await records(session_factory, coaching.profile.id)
    stored = await sets_of(session_factory, record.id)
    assert [(s.weight_kg, s.reps, s.set_type) for s in stored] == [
        (Decimal("60.000"), 10, SetType.WARMUP),
        (Decimal("80.000"), 5, SetType.NORMAL),
        (Decimal("80.000"), 5, SetType.NORMAL),
        (Decimal("80.000"), 5, SetType.NORMAL),
        (Decimal("77.500"), 5, SetType.DROP),
    ]
    [bench] = await exercise_rows(session_factory, record.id)
    assert (bench.form_rating, bench.notes) == (4, "Elbows flaring")

    await tom.press("More…")
    await tom.press("Add exercise")
    await tom.send("pullups")
    await tom.press("Pull-Up")
    assert "Pull-Up" in live_message(tom).text
    await tom.send("bw+20 x 8")
    await tom.send("+2.5")
    await tom.send("same")
    await tom.press("More…")
    await tom.press("Skip exercise")
    # The unplanned bench press was done when Tom moved on: the card does not point back.
    card = live_message(tom).text
    assert "All exercises done (8 sets)" in card
    assert "Bench" not in card
    rows = await exercise_rows(session_factory, record.id)
    assert [(r.exercise_name, r.skipped) for r in rows] == [
        ("Barbell Bench Press", False),
        ("Pull-Up", True),
    ]
    stored = await sets_of(session_factory, record.id)
    assert [(s.weight_kg, s.bodyweight, s.reps) for s in stored[-3:]] == [
        (Decimal("20.000"), True, 8),
        (Decimal("22.500"), True, 8),
        (Decimal("22.500"), True, 8),
    ]


async def test_time_distance_and_pound_notation(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await trainer_and_client(session_factory, trainer_units=Units.LB)
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Unplanned session")
    await tom.send("plank")
    await tom.press("Plank")
    await tom.send("60s")
    await tom.send("1:30")
    assert "2. 90 s" in live_message(tom).text
    await tom.press("More…")
    await tom.press("Add exercise")
    await tom.send("running")
    await tom.press(live_message(tom).flat_buttons[0])
    await tom.send("5km 25:00")
    await tom.press("More…")
    await tom.press("Add exercise")
    await tom.send("deadlift")
    await tom.press("Barbell Deadlift")
    await tom.send("225x5")
    await tom.press("+5")
    assert "+5" in live_message(tom).flat_buttons
    await tom.send("100kg 3")
    await tom.send("5@315")
    [record] = await records(session_factory)
    stored = await sets_of(session_factory, record.id)
    assert [s.duration_s for s in stored[:2]] == [60, 90]
    assert (stored[2].distance_m, stored[2].duration_s) == (Decimal("5000.00"), 1500)
    assert [(s.weight_kg, s.entered_unit) for s in stored[3:]] == [
        (Decimal("102.058"), Units.LB),
        (Decimal("104.326"), Units.LB),
        (Decimal("100.000"), Units.KG),
        (Decimal("142.882"), Units.LB),
    ]


async def test_bad_input_is_refused_with_two_examples_and_nothing_stored(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    await plan_session(session_factory, coaching, at=clock.now())
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.send("hello")
    assert "pick with the buttons" in tom.last_reply.text
    await tom.press("Lower A")

    await tom.send("heavy one")
    assert "Couldn't read" in tom.last_reply.text
    assert "Try <code>" not in tom.last_reply.text
    assert "100x5" in tom.last_reply.text
    assert "100x5 @8" in tom.last_reply.text
    await tom.send("100")
    assert "missing" in tom.last_reply.text
    await tom.send("same")
    assert "no previous set" in tom.last_reply.text
    await tom.press("Same")
    assert tom.last_answer is not None
    assert "no previous set" in tom.last_answer
    await tom.press("@9")
    assert tom.last_answer == "Log a set first."
    [record] = await records(session_factory)
    assert await sets_of(session_factory, record.id) == []

    await tom.send("100x5")
    assert len(await sets_of(session_factory, record.id)) == 1


async def test_swap_in_a_program_records_the_modification(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    planned = await plan_session(session_factory, coaching, at=clock.now())
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    await tom.press("More…")
    await tom.press("Swap exercise")
    assert "Swap <b>Barbell Back Squat</b>" not in live_message(tom).text
    assert "Swap Barbell Back Squat for which exercise" in live_message(tom).text
    await tom.send("zzzzqqq")
    assert "No exercise matches" in tom.last_reply.text
    await tom.send("leg press")
    await tom.press("Leg Press")
    assert "Why swap Barbell Back Squat for Leg Press" in live_message(tom).text
    await tom.send("/cancel")
    assert "Cancelled" in live_message(tom).text
    assert "Barbell Back Squat" in live_message(tom).text

    await tom.press("More…")
    await tom.press("Swap exercise")
    await tom.send("leg press")
    await tom.press("Leg Press")
    await tom.send("x" * 600)
    assert "too long" in tom.last_reply.text
    await tom.send("Knee pain on deep squats")
    live = live_message(tom)
    assert "Swapped" in live.text
    assert "Leg Press" in live.text
    assert "target 3×5, RPE 8" in live.text, "the scheme stays, the squat's load does not"

    async with session_factory() as session:
        [mod] = (await session.execute(select(ProgramModification))).scalars().all()
    assert mod.assignment_id == planned.assignment_id
    assert mod.program_session_id == planned.program_session_id
    assert mod.original_exercise_id == planned.exercise_ids[0]
    assert mod.reason == "Knee pain on deep squats"
    [record] = await records(session_factory)
    rows = await exercise_rows(session_factory, record.id)
    assert rows[0].exercise_name == "Leg Press"
    assert rows[0].modification_notes == "Swapped from Barbell Back Squat: Knee pain on deep squats"


async def _lower_a_again_three_days_on(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock, sets: str
) -> tuple[SimUser, str]:
    """Tom logs ``sets`` in Alice's "Lower A" on Monday 23 November and finishes; on Thursday
    he starts "Lower A" again. Tom, and the first session's summary."""
    coaching = await trainer_and_client(session_factory)
    await plan_session(session_factory, coaching, at=clock.now())
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    await tom.send(sets)
    await tom.press("🏁 Finish")
    await tom.press("Yes, finish")
    first = tom.last_reply.text

    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    await plan_session(session_factory, coaching, at=clock.now())
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    return tom, first


async def test_last_time_shows_the_previous_session_and_records_are_found(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom, first = await _lower_a_again_three_days_on(sim, session_factory, clock, "3x5x100")
    assert "First time logging this session" in first
    live = live_message(tom)
    assert "Last time (Mon 23 Nov: 100 kg × 5, 100 kg × 5, 100 kg × 5)" in live.text
    await tom.send("110x5")
    await tom.press("🏁 Finish")
    await tom.press("Yes, finish")
    summary = tom.last_reply.text
    assert "Personal records" in summary
    assert "heaviest weight 110 kg, was 100 kg" in summary
    assert "e1RM 128.3 kg, was 116.7 kg" in summary, "an estimate to one decimal"
    # One set, one badge per kind: no second e1RM, no "best for 5 reps" for the same set.
    assert "Brzycki" not in summary
    assert "best for 5 reps" not in summary
    assert summary.count("• Barbell Back Squat:") == 3  # the exercise line and two records
    # Less volume than 23 Nov (550 kg against 1,500 kg), but a record day shows no drop.
    assert "▼" not in summary


async def test_last_time_read_again_once_it_left_the_cache_shows_the_same(
    sim: ChatSimulator,
    session_factory: Factory,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nothing stays kept: every card reads "last time" again, as one that fell out would.
    monkeypatch.setattr(_LastTimes, "KEPT", 0)
    tom, _ = await _lower_a_again_three_days_on(sim, session_factory, clock, "2x5x100")
    last_time = "Last time (Mon 23 Nov: 100 kg × 5, 100 kg × 5)"
    assert last_time in live_message(tom).text
    for text in ("105x5", "same"):
        await tom.send(text)
        assert last_time in live_message(tom).text
    assert "Logged: 105 kg × 5" in live_message(tom).text


async def test_cancel_pauses_and_log_resumes_the_same_session(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    await plan_session(session_factory, coaching, at=clock.now())
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    await tom.send("100x5")
    await tom.send("/cancel")
    assert "Logging paused. 1 set is saved" in tom.last_reply.text
    await tom.send("100x5")
    assert "not expecting a message" in tom.last_reply.text

    await tom.send("/log")
    assert tom.last_reply.flat_buttons[0] == "🔴 Alice"
    await tom.press("Alice")
    live = live_message(tom)
    assert "Resuming" in live.text
    assert "Set 2 of 3" in live.text
    assert len(await records(session_factory)) == 1, "resumed, not duplicated"
    await tom.send("100x5")
    [record] = await records(session_factory)
    assert len(await sets_of(session_factory, record.id)) == 2


async def test_discarding_an_empty_session_and_cancel_in_the_picker(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await trainer_and_client(session_factory)
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.send("/cancel")
    assert "Cancelled" in tom.last_reply.text
    assert await records(session_factory) == []
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Unplanned session")
    await tom.press("🏁 Finish")
    assert "Nothing is logged yet" in live_message(tom).text
    await tom.press("Close without saving")
    assert "nothing was saved" in tom.last_reply.text
    [record] = await records(session_factory)
    assert (record.is_live, record.status) == (False, RecordStatus.ABANDONED)


async def test_a_trainer_without_clients_is_pointed_to_newclient(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 1001, "Tom", trainer=True)
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    assert "/newclient" in tom.last_reply.text
