"""Live logging against a real database: idempotency, resume, swaps, finishing, abandoning."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from telegram.ext import CallbackContext

from bot.application import SpotterApplication
from coaching.clock import ManualClock
from coaching.domain.enums import RecordStatus, SessionStatus, SetType
from coaching.domain.permissions import PermissionFlags
from coaching.domain.sets import SetParseError
from coaching.errors import Conflict, NotAllowed, NotFound
from coaching.services.base import ServiceContext
from coaching.services.live import Live, ReasonNeeded
from conversations.log import abandon_stale_sessions, last_time_text, set_texts, target_text
from storage.models import ProgramModification, User
from tests.factories import (
    Factory,
    appointment,
    exercise_id,
    exercise_rows,
    make_coaching,
    make_user,
    plan_session,
    records,
    sets_of,
    trainer_and_client,
)
from tests.fakes.botapi import FakeBotAPI

TOM, ALICE = 1001, 2001


async def test_the_same_update_key_logs_once(ctx: ServiceContext, session_factory: Factory) -> None:
    coaching = await trainer_and_client(session_factory)
    svc = Live.of(ctx)
    started = await svc.start.start_unplanned(TOM, coaching.profile.id)
    rid = started.turn.record_id
    squat = await exercise_id(session_factory, "barbell-back-squat")
    await svc.search.add_exercise(TOM, rid, squat, "u1")

    first = await svc.log.log_text(TOM, rid, "3x5x100", "u2")
    again = await svc.log.log_text(TOM, rid, "3x5x100", "u2")
    assert set_texts(first.logged, first.turn.units) == ("100 kg × 5",) * 3
    assert (again.duplicate, again.logged) == (True, ())
    assert [s.source_key for s in await sets_of(session_factory, rid)] == ["u2:0", "u2:1", "u2:2"]

    await svc.log.log_button(TOM, rid, "same", "u3")
    await svc.log.log_button(TOM, rid, "same", "u3")
    await svc.edit.undo(TOM, rid, "u4")
    await svc.edit.undo(TOM, rid, "u4")
    assert len(await sets_of(session_factory, rid)) == 3, "one undo for one update"


async def test_starting_twice_resumes_the_live_session(
    ctx: ServiceContext, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    planned = await plan_session(session_factory, coaching, at=clock.now())
    svc = Live.of(ctx)
    first = await svc.start.start_planned(TOM, planned.coaching_session_id)
    second = await svc.start.start_planned(ALICE, planned.coaching_session_id)
    third = await svc.start.start_unplanned(TOM, coaching.profile.id)
    assert (first.resumed, second.resumed, third.resumed) == (False, True, True)
    assert first.turn.record_id == second.turn.record_id == third.turn.record_id
    assert second.turn.viewer_is_client
    assert not first.turn.viewer_is_client
    assert len(await records(session_factory)) == 1


async def test_planned_session_applies_the_clients_swaps(
    ctx: ServiceContext, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    planned = await plan_session(session_factory, coaching, at=clock.now())
    leg_press = await exercise_id(session_factory, "leg-press")
    async with session_factory() as session:
        session.add(
            ProgramModification(
                assignment_id=planned.assignment_id,
                program_session_id=None,
                original_exercise_id=planned.exercise_ids[0],
                replacement_exercise_id=leg_press,
                reason="Back tweak",
                modified_at=clock.now(),
            )
        )
        await session.commit()
    started = await Live.of(ctx).start.start_planned(TOM, planned.coaching_session_id)
    assert started.turn.exercise_name == "Leg Press"
    assert target_text(started.turn) == "3×5, RPE 8, rest 3:00"
    rows = await exercise_rows(session_factory, started.turn.record_id)
    assert rows[0].modification_notes == "Swapped from Barbell Back Squat: Back tweak"


async def test_swap_after_sets_keeps_them_and_inserts_the_replacement(
    ctx: ServiceContext, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    planned = await plan_session(session_factory, coaching, at=clock.now())
    svc = Live.of(ctx)
    rid = (await svc.start.start_planned(TOM, planned.coaching_session_id)).turn.record_id
    await svc.log.log_text(TOM, rid, "100x5", "u1")
    leg_press = await exercise_id(session_factory, "leg-press")
    with pytest.raises(ReasonNeeded):
        await svc.search.swap(TOM, rid, leg_press, "u2")
    view = await svc.search.swap(TOM, rid, leg_press, "u3", "Knee")
    assert (view.exercise_name, view.position, view.count) == ("Leg Press", 2, 3)
    rows = await exercise_rows(session_factory, rid)
    assert [(r.exercise_name, r.completed) for r in rows][:2] == [
        ("Barbell Back Squat", True),
        ("Leg Press", False),
    ]
    assert rows[2].exercise_name == "Romanian Deadlift"
    [squat_set] = await sets_of(session_factory, rid)
    assert squat_set.exercise_id == planned.exercise_ids[0]
    async with session_factory() as session:
        mods = (await session.execute(select(ProgramModification))).scalars().all()
    assert [m.reason for m in mods] == ["Knee"]
    with pytest.raises(NotFound):
        await svc.search.swap(TOM, rid, 999_999, "u4", "x")


async def test_undo_reopens_the_previous_exercise(
    ctx: ServiceContext, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    planned = await plan_session(session_factory, coaching, at=clock.now())
    svc = Live.of(ctx)
    rid = (await svc.start.start_planned(TOM, planned.coaching_session_id)).turn.record_id
    await svc.log.log_text(TOM, rid, "100x5", "u1")
    moved = await svc.edit.next_exercise(TOM, rid, "u2")
    assert moved.exercise_name == "Romanian Deadlift"
    back = await svc.edit.undo(TOM, rid, "u3")
    assert back.exercise_name == "Barbell Back Squat"
    assert back.set_number == 1
    with pytest.raises(Conflict, match="Log a set first"):
        await svc.edit.undo(TOM, rid, "u4")


async def test_set_types_rpe_form_and_notes(ctx: ServiceContext, session_factory: Factory) -> None:
    coaching = await trainer_and_client(session_factory)
    svc = Live.of(ctx)
    rid = (await svc.start.start_unplanned(TOM, coaching.profile.id)).turn.record_id
    await svc.search.add_exercise(
        TOM, rid, await exercise_id(session_factory, "barbell-bench-press"), "a"
    )
    view = await svc.edit.mark_set_type(TOM, rid, SetType.WARMUP, "next", "b")
    assert view.next_type is SetType.WARMUP
    await svc.log.log_text(TOM, rid, "40x10", "c")
    await svc.log.log_text(TOM, rid, "80x5", "d")
    await svc.edit.rate_last_set(TOM, rid, 9, "e")
    await svc.edit.mark_set_type(TOM, rid, SetType.FAILURE, "last", "f")
    await svc.edit.rate_form(TOM, rid, 3, "g")
    await svc.edit.add_note(TOM, rid, "Bar path drifts", "h")
    await svc.edit.add_note(TOM, rid, "Better on set 2", "i")
    stored = await sets_of(session_factory, rid)
    assert [(s.set_type, s.rpe) for s in stored] == [
        (SetType.WARMUP, None),
        (SetType.FAILURE, Decimal("9.0")),
    ]
    [row] = await exercise_rows(session_factory, rid)
    assert (row.form_rating, row.notes) == (3, "Bar path drifts\nBetter on set 2")
    with pytest.raises(SetParseError):
        await svc.log.log_text(TOM, rid, "lots", "j")
    with pytest.raises(Exception, match="too long"):
        await svc.edit.add_note(TOM, rid, "x" * 1001, "k")


async def test_permissions_decide_who_may_log_and_see_history(
    ctx: ServiceContext, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(
        session_factory, flags=PermissionFlags(view_workout_history=False)
    )
    svc = Live.of(ctx)
    own = await svc.start.start_unplanned(TOM, coaching.profile.id)
    rid = own.turn.record_id
    await svc.search.add_exercise(
        TOM, rid, await exercise_id(session_factory, "barbell-back-squat"), "a"
    )
    view = await svc.log.log_text(TOM, rid, "100x5", "b")
    assert view.turn.history_locked
    assert view.turn.last_time is None
    client_view = await svc.card.turn(ALICE, rid)
    assert not client_view.history_locked

    await make_user(session_factory, 1999, "Stranger", trainer=True)
    with pytest.raises(NotFound, match="among yours"):
        await svc.log.log_text(1999, rid, "100x5", "c")
    with pytest.raises(NotFound, match="Send /start"):
        await svc.card.turn(424242, rid)

    blocked = await trainer_and_client_again(session_factory)
    with pytest.raises(NotAllowed):
        await svc.start.start_unplanned(TOM, blocked)


async def trainer_and_client_again(factory: Factory) -> int:
    """A second client of Tom's who did not allow logging; returns the profile id."""
    async with factory() as session:
        tom = (await session.execute(select(User).where(User.telegram_id == TOM))).scalar_one()
    other = await make_user(factory, 2002, "Ben", client=True)
    made = await make_coaching(factory, tom, other, flags=PermissionFlags(modify_workouts=False))
    return made.profile.id


async def test_finish_completes_the_appointment_and_summarises(
    ctx: ServiceContext, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(
        session_factory, flags=PermissionFlags(view_progression_data=False)
    )
    planned = await plan_session(session_factory, coaching, at=clock.now())
    svc = Live.of(ctx)
    rid = (await svc.start.start_planned(ALICE, planned.coaching_session_id)).turn.record_id
    await svc.log.log_text(ALICE, rid, "3x5x100", "a")
    clock.advance(minutes=40)
    result = await svc.finish.finish(ALICE, rid, "b")
    assert result.actor_is_client
    assert result.ask_feedback
    assert result.client_summary is not None
    assert result.trainer_summary is not None
    assert result.client_summary.total_sets == 3
    assert result.client_summary.duration == timedelta(minutes=40)
    assert result.trainer_sees_history
    assert not result.trainer_sees_progress
    assert result.trainer is not None
    assert result.trainer.telegram_id == TOM
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert booked.status is SessionStatus.COMPLETED
    with pytest.raises(Conflict, match="finished"):
        await svc.finish.finish(ALICE, rid, "c")
    feedback = await svc.ratings.rate_session(ALICE, rid, 7)
    assert feedback.rpe == 7
    with pytest.raises(NotFound):
        await svc.ratings.rate_session(TOM, rid, 7)


async def test_abandoning_stale_sessions(
    ctx: ServiceContext, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    planned = await plan_session(session_factory, coaching, at=clock.now())
    await make_user(session_factory, 3001, "Cleo", client=True)
    svc = Live.of(ctx)
    with_sets = (await svc.start.start_planned(TOM, planned.coaching_session_id)).turn.record_id
    await svc.log.log_text(TOM, with_sets, "100x5", "a")
    empty = (await svc.start.start_own(3001)).turn.record_id
    clock.advance(hours=3)
    assert await svc.finish.abandon_stale(timedelta(hours=4)) == []
    fresh = (await svc.start.start_own(ALICE)).turn.record_id
    clock.advance(hours=1, minutes=1)

    closed = await svc.finish.abandon_stale(timedelta(hours=4))
    assert sorted(c.record_id for c in closed) == sorted([with_sets, empty])
    by_id = {r.id: r for r in await records(session_factory)}
    assert by_id[with_sets].status is RecordStatus.INCOMPLETE
    assert by_id[empty].status is RecordStatus.ABANDONED
    assert not by_id[with_sets].is_live
    assert not by_id[empty].is_live
    assert by_id[fresh].is_live
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert booked.status is SessionStatus.COMPLETED
    told = {r.telegram_id for c in closed for r in c.recipients}
    assert told == {TOM, ALICE, 3001}


async def test_the_abandon_job_tells_both_parties(
    app: SpotterApplication, api: FakeBotAPI, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    svc = Live.of(app.services.ctx)
    rid = (await svc.start.start_unplanned(TOM, coaching.profile.id)).turn.record_id
    await svc.search.add_exercise(
        TOM, rid, await exercise_id(session_factory, "barbell-back-squat"), "a"
    )
    await svc.log.log_text(TOM, rid, "100x5", "b")
    clock.advance(hours=5)
    await abandon_stale_sessions(CallbackContext(app))
    for chat in (TOM, ALICE):
        [message] = api.sent_to(chat)
        assert "left open for over 4 hours" in message["text"]
        assert "The 1 set logged is saved" in message["text"]
    [record] = await records(session_factory)
    assert record.status is RecordStatus.INCOMPLETE


async def _squat_session(
    svc: Live, who: int, profile_id: int | None, squat: int, text: str, key: str
) -> None:
    """One finished session with a single squat set, as ``who`` logs it."""
    if profile_id is None:
        rid = (await svc.start.start_own(who)).turn.record_id
    else:
        rid = (await svc.start.start_unplanned(who, profile_id)).turn.record_id
    await svc.search.add_exercise(who, rid, squat, f"{key}-add")
    await svc.log.log_text(who, rid, text, f"{key}-set")
    await svc.finish.finish(who, rid, f"{key}-fin")


async def test_last_time_covers_the_profiles_the_logger_may_read(
    ctx: ServiceContext, session_factory: Factory, clock: ManualClock
) -> None:
    """A trainer sees their own sessions with the client and what the client logged alone,
    never another trainer's; the client sees all of their own. The set-logging turn and the
    other turns agree."""
    coaching = await trainer_and_client(session_factory)
    bea = await make_user(session_factory, 1002, "Bea", trainer=True)
    async with session_factory() as session:
        alice_user = (
            await session.execute(select(User).where(User.telegram_id == ALICE))
        ).scalar_one()
    other = await make_coaching(session_factory, bea, alice_user)
    squat = await exercise_id(session_factory, "barbell-back-squat")
    svc = Live.of(ctx)

    clock.advance(timedelta(days=-6))
    await _squat_session(svc, TOM, coaching.profile.id, squat, "100x5", "t")
    clock.advance(timedelta(days=2))
    await _squat_session(svc, ALICE, None, squat, "120x5", "a")
    clock.advance(timedelta(days=2))
    await _squat_session(svc, 1002, other.profile.id, squat, "150x5", "b")
    clock.advance(timedelta(days=2))

    own = (await svc.start.start_own(ALICE)).turn.record_id
    added = await svc.search.add_exercise(ALICE, own, squat, "a2-add")
    logged = await svc.log.log_text(ALICE, own, "125x5", "a2-set")
    for view in (added, logged.turn):
        assert view.last_time is not None
        assert "150 kg × 5" in last_time_text(view.last_time, view.units), (
            "Alice sees every session of hers"
        )
    await svc.finish.finish(ALICE, own, "a2-fin")
    clock.advance(timedelta(hours=2))
    await _squat_session(svc, 1002, other.profile.id, squat, "155x5", "b2")
    clock.advance(timedelta(hours=2))

    rid = (await svc.start.start_unplanned(TOM, coaching.profile.id)).turn.record_id
    added = await svc.search.add_exercise(TOM, rid, squat, "t2-add")
    logged = await svc.log.log_text(TOM, rid, "105x5", "t2-set")
    for view in (added, logged.turn):
        assert view.last_time is not None
        shown = last_time_text(view.last_time, view.units)
        assert "125 kg × 5" in shown, "the client's own session is the latest Tom may see"
        assert "155" not in shown, "Bea's session with Alice is not Tom's to see"
