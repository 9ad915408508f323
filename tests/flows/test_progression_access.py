"""/permissions → Per-exercise sharing: rules a client sets per exercise, and what they bind."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from coaching.clock import ManualClock
from coaching.services.permissions import trainer_progression_visible
from storage.models import ClientProfile, Exercise, ProgressionAccess, Relationship, User
from storage.uow import UnitOfWork
from tests.conftest import make_sim, restarted
from tests.factories import join_by_invite as _join
from tests.factories import onboard
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator, SimUser

Factory = async_sessionmaker[AsyncSession]
BENCH = "Barbell Bench Press"


async def _user_id(factory: Factory, telegram_id: int) -> int:
    async with factory() as session:
        found = await session.execute(select(User.id).where(User.telegram_id == telegram_id))
        return found.scalar_one()


async def _relationship(factory: Factory, trainer_telegram_id: int) -> Relationship:
    trainer_id = await _user_id(factory, trainer_telegram_id)
    async with factory() as session:
        found = await session.execute(
            select(Relationship).where(Relationship.trainer_user_id == trainer_id)
        )
        return found.scalar_one()


async def _exercise_id(factory: Factory, name: str) -> int:
    async with factory() as session:
        found = await session.execute(select(Exercise.id).where(Exercise.name == name))
        return found.scalar_one()


async def _own_exercise(factory: Factory, owner_telegram_id: int, name: str) -> int:
    owner = await _user_id(factory, owner_telegram_id)
    async with factory() as session:
        exercise = Exercise(
            owner_user_id=owner, name=name, category="other", created_by=owner, aliases=[]
        )
        session.add(exercise)
        await session.commit()
        return exercise.id


async def _rules(factory: Factory) -> list[ProgressionAccess]:
    async with factory() as session:
        found = await session.execute(select(ProgressionAccess).order_by(ProgressionAccess.id))
        return list(found.scalars())


async def _visible(
    factory: Factory,
    trainer_telegram_id: int,
    exercise_id: int,
    metric: str,
    *,
    today: date = date(2026, 12, 5),
    on: date | None = None,
) -> bool:
    relationship = await _relationship(factory, trainer_telegram_id)
    async with UnitOfWork(factory) as uow:
        return await trainer_progression_visible(
            uow,
            relationship.trainer_user_id,
            relationship.client_profile_id,
            exercise_id=exercise_id,
            metric=metric,
            today=today,
            on=on,
        )


async def _open_sharing(client: SimUser) -> None:
    await client.send("/permissions")
    await client.press("Per-exercise sharing")


async def test_add_edit_and_remove_a_rule_and_the_trainer_is_told(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    alice = await onboard(sim, 2, "Alice", "client")
    await _join(tom, alice, "Alice B")
    bench = await _exercise_id(session_factory, BENCH)
    squat = await _exercise_id(session_factory, "Barbell Back Squat")

    await _open_sharing(alice)
    screen = alice.last_reply.message_id
    assert "Per-exercise sharing with Tom" in alice.last_reply.text
    assert "No rules yet: Tom sees every exercise." in alice.last_reply.text
    await alice.press("Add rule")
    assert alice.last_reply.message_id == screen, "the bot edits its own message"
    assert "which exercise?" in alice.last_reply.text
    await alice.send("bench")
    assert "Pick the exercise for “bench”" in alice.last_reply.text
    await alice.press(BENCH)
    assert f"{BENCH} — what may Tom see?" in alice.last_reply.text
    assert "✅ e1RM · estimated one-rep max" in alice.last_reply.flat_buttons
    await alice.press("Weight")
    assert "✅ Weight · the loads you lift" in alice.last_reply.flat_buttons
    await alice.press("Next")
    assert "From which day may Tom see it?" in alice.last_reply.text
    await alice.send("2026-12-01")
    assert "Until which day?" in alice.last_reply.text
    assert "from 2026-12-01" in alice.last_reply.text
    await alice.press("No end")
    saved = alice.last_reply.text
    assert f"✅ Saved: {BENCH} — e1RM, Weight · from 2026-12-01, no end. Tom has been told." in (
        saved
    )
    assert f"• {BENCH} — e1RM, Weight · from 2026-12-01, no end (not started yet)" in saved
    assert tom.last_reply.text == (
        f"📈 Alice now shares {BENCH}: e1RM, Weight · from 2026-12-01, no end."
    )
    [rule] = await _rules(session_factory)
    assert (rule.exercise_id, rule.viewable_metrics) == (bench, ["e1rm", "weight"])
    assert (rule.visibility_start, rule.visibility_end) == (date(2026, 12, 1), None)

    assert await _visible(session_factory, 1, bench, "e1rm")
    assert await _visible(session_factory, 1, bench, "weight", on=date(2026, 12, 3))
    assert not await _visible(session_factory, 1, bench, "reps")
    assert not await _visible(session_factory, 1, bench, "e1rm", on=date(2026, 11, 30))
    assert not await _visible(session_factory, 1, bench, "e1rm", today=date(2026, 11, 23))
    assert await _visible(session_factory, 1, squat, "reps"), "no rule: the general flag decides"

    await alice.press(f"✏️ {BENCH}")
    assert "Numbers: e1RM, Weight" in alice.last_reply.text
    assert "When: from 2026-12-01, no end" in alice.last_reply.text
    assert "Not started yet, so Tom sees none of it now." in alice.last_reply.text
    await alice.press("Change")
    assert "✅ Weight · the loads you lift" in alice.last_reply.flat_buttons, "kept as saved"
    await alice.press("e1RM")
    await alice.press("Reps")
    await alice.press("Next")
    await alice.press("All history")
    assert "all history" in alice.last_reply.text
    await alice.send("2027-03-31")
    assert "Saved" in alice.last_reply.text
    assert tom.last_reply.text == (
        f"📈 Alice changed what they share of {BENCH}: Weight, Reps · all history until 2027-03-31."
    )
    [rule] = await _rules(session_factory)
    assert rule.viewable_metrics == ["reps", "weight"]
    assert (rule.visibility_start, rule.visibility_end) == (None, date(2027, 3, 31))
    assert await _visible(session_factory, 1, bench, "reps", on=date(2026, 1, 5))
    assert not await _visible(session_factory, 1, bench, "e1rm")
    clock.set(datetime(2027, 4, 2, 9, 0, tzinfo=UTC))
    await alice.press("Back")
    await alice.press("Per-exercise sharing")
    assert "all history until 2027-03-31 (ended)" in alice.last_reply.text
    await alice.press(f"✏️ {BENCH}")
    assert "Ended, so Tom sees none of it now." in alice.last_reply.text
    await alice.press("Back")

    await alice.press(f"✏️ {BENCH}")
    await alice.press("Remove rule")
    assert f"Rule removed for {BENCH}. Tom has been told." in alice.last_reply.text
    assert "No rules yet" in alice.last_reply.text
    assert tom.last_reply.text == (
        f"📈 Alice removed the sharing rule for {BENCH}: their general progress setting "
        "applies to it again."
    )
    assert await _rules(session_factory) == []
    assert await _visible(session_factory, 1, bench, "e1rm")
    await alice.press("Back")
    assert "What Tom may see and do" in alice.last_reply.text


async def test_general_flag_off_is_explained_and_hides_everything(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    alice = await onboard(sim, 2, "Alice", "client")
    await _join(tom, alice, "Alice B")
    bench = await _exercise_id(session_factory, BENCH)
    await alice.send("/permissions")
    await alice.press("See your progress")
    await alice.press("Per-exercise sharing")
    assert "You have switched off" in alice.last_reply.text
    await alice.press("Add rule")
    await alice.send("bench press")
    await alice.press(BENCH)
    await alice.press("Next")
    await alice.press("From today")
    await alice.press("No end")
    assert "Saved" in alice.last_reply.text
    assert not await _visible(session_factory, 1, bench, "e1rm", today=date(2026, 11, 23))


async def test_bad_input_at_each_step_stays_and_stores_nothing(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    alice = await onboard(sim, 2, "Alice", "client")
    await _join(tom, alice, "Alice B")
    await _open_sharing(alice)
    await alice.press("Add rule")
    await alice.send("qqqzzzxx")
    assert "No exercise matches “qqqzzzxx”" in alice.last_reply.text
    assert "e.g. squat or bench" in alice.last_reply.text
    await alice.send("back squat")
    await alice.press("Barbell Back Squat")
    await alice.send("weight please")
    assert "Tap the numbers to share below" in alice.last_reply.text
    await alice.press("e1RM")
    await alice.press("Next")
    assert "Pick at least one number to share" in alice.last_reply.text
    await alice.press("RPE")
    await alice.press("Next")
    await alice.send("31/12")
    assert alice.last_reply.text.startswith("⚠️")
    assert "2026-12-01" in alice.last_reply.text
    assert "From which day" in alice.last_reply.text
    await alice.send("banana")
    assert alice.last_reply.text.startswith("⚠️")
    assert "From which day" in alice.last_reply.text
    await alice.send("2026-12-10")
    await alice.send("2026-12-01")
    assert "must end on or after the day it starts (2026-12-10)" in alice.last_reply.text
    assert "For example: 2027-01-09" in alice.last_reply.text
    assert "Until which day?" in alice.last_reply.text
    await alice.press("Back")
    await alice.press("All history")
    await alice.send("2026-11-01")
    assert "2026-11-01 has already passed" in alice.last_reply.text
    assert "Until which day?" in alice.last_reply.text
    await alice.send("2026-02-30")
    assert alice.last_reply.text.startswith("⚠️")
    assert await _rules(session_factory) == []
    assert "Alice" not in tom.last_reply.text or "shares" not in tom.last_reply.text
    await alice.send("no end")
    [rule] = await _rules(session_factory)
    assert rule.viewable_metrics == ["rpe"]
    assert (rule.visibility_start, rule.visibility_end) == (None, None)


async def test_cancel_mid_rule_stores_nothing_and_old_buttons_expire(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    alice = await onboard(sim, 2, "Alice", "client")
    await _join(tom, alice, "Alice B")
    relationship = await _relationship(session_factory, 1)
    bench = await _exercise_id(session_factory, BENCH)
    await _open_sharing(alice)
    await alice.press("Add rule")
    await alice.send("bench")
    await alice.press(BENCH)
    await alice.press("Next")
    await alice.send("today")
    until = alice.last_reply.message_id
    await alice.send("/cancel")
    assert "Cancelled" in alice.last_reply.text
    await alice.press("No end", message_id=until)
    assert alice.last_answer_alert
    assert "expired" in (alice.last_answer or "")
    await alice.press_data(f"perm:pm:{relationship.id}:{bench}:1")
    assert alice.last_answer_alert
    assert await _rules(session_factory) == []
    assert "shares" not in tom.last_reply.text


async def test_forged_presses_are_refused_and_change_nothing(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    olga = await onboard(sim, 3, "Olga", "trainer")
    alice = await onboard(sim, 2, "Alice", "client")
    bob = await onboard(sim, 4, "Bob", "client")
    await _join(tom, alice, "Alice B")
    await _join(olga, bob, "Bob C")
    alice_rid = (await _relationship(session_factory, 1)).id
    bob_rid = (await _relationship(session_factory, 3)).id
    bench = await _exercise_id(session_factory, BENCH)
    toms_own = await _own_exercise(session_factory, 1, "Tom's sled drag")
    olgas_own = await _own_exercise(session_factory, 3, "Olga's sled drag")

    # Alice sets a rule on Bench Press, so there is something to attack.
    await _open_sharing(alice)
    await alice.press("Add rule")
    await alice.send("bench")
    await alice.press(BENCH)
    await alice.press("Next")
    await alice.press("All history")
    await alice.press("No end")
    before = [(r.id, r.viewable_metrics) for r in await _rules(session_factory)]

    # The search offers built-ins and Tom's own exercises, never Olga's.
    await alice.press("Add rule")
    await alice.send("sled drag")
    assert "Tom's sled drag (Tom's)" in alice.last_reply.flat_buttons
    assert not any("Olga" in label for label in alice.last_reply.flat_buttons)

    # Another trainer's exercise, forged into Alice's own relationship.
    await alice.press_data(f"perm:px:{alice_rid}:{olgas_own}")
    assert alice.last_answer_alert
    assert alice.last_answer == "I can't find that exercise."
    await alice.press_data(f"perm:px:{alice_rid}:999999")
    assert alice.last_answer == "I can't find that exercise."
    # Someone else's relationship id, from Alice, from Bob, and from Tom (the trainer).
    forged = [
        f"perm:pg:{bob_rid}",
        f"perm:pa:{bob_rid}",
        f"perm:px:{bob_rid}:{bench}",
        f"perm:pe:{bob_rid}:{bench}",
        f"perm:pd:{bob_rid}:{bench}",
    ]
    for data in forged:
        await alice.press_data(data)
        assert alice.last_answer_alert, data
        assert alice.last_answer == "I can't find that trainer among yours.", data
    for who in (bob, tom):
        for data in (
            f"perm:pg:{alice_rid}",
            f"perm:pa:{alice_rid}",
            f"perm:px:{alice_rid}:{bench}",
            f"perm:pe:{alice_rid}:{bench}",
            f"perm:pd:{alice_rid}:{bench}",
            f"perm:pm:{alice_rid}:{bench}:0",
            f"perm:pw:{alice_rid}:{bench}",
            f"perm:pf:{alice_rid}:{bench}:all",
            f"perm:pt:{alice_rid}:{bench}:none",
            "perm:pg:x",
            f"perm:px:{alice_rid}",
        ):
            await who.press_data(data)
            if who is tom:  # not a client: what the screen is for, and how to become one
                assert "/permissions is for clients" in tom.last_reply.text, data
            else:
                assert who.last_answer_alert, (who, data)
    # A toggle for another exercise than the one being set up is stale.
    await alice.press_data(f"perm:px:{alice_rid}:{toms_own}")
    await alice.press_data(f"perm:pm:{alice_rid}:{bench}:1")
    assert alice.last_answer_alert
    await alice.press_data(f"perm:pm:{alice_rid}:{toms_own}:9")
    assert alice.last_answer_alert
    # Steps cannot be skipped by forging a later step's button.
    for data in (f"perm:pt:{alice_rid}:{toms_own}:none", f"perm:pf:{alice_rid}:{toms_own}:all"):
        await alice.press_data(data)
        assert alice.last_answer == "This button has expired. Send /permissions to start again."
    assert [(r.id, r.viewable_metrics) for r in await _rules(session_factory)] == before
    # Removing twice: the second press finds nothing to remove.
    await alice.press_data(f"perm:pd:{alice_rid}:{bench}")
    await alice.press_data(f"perm:pd:{alice_rid}:{bench}")
    assert alice.last_answer == "There is no sharing rule for that exercise any more."
    assert await _rules(session_factory) == []
    async with session_factory() as session:
        profiles = (await session.execute(select(ClientProfile))).scalars().all()
        assert len(profiles) == 2


async def test_a_restart_resumes_the_rule_and_a_replayed_press_saves_once(
    settings: Settings,
    engine: AsyncEngine,
    clock: ManualClock,
    api: FakeBotAPI,
    sim: ChatSimulator,
    session_factory: Factory,
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    alice = await onboard(sim, 2, "Alice", "client")
    await _join(tom, alice, "Alice B")
    await _open_sharing(alice)
    await alice.press("Add rule")
    await alice.send("bench")
    await alice.press(BENCH)
    await alice.press("Reps")
    await alice.press("Next")
    async with restarted(settings, api, engine, clock) as app2:
        sim2 = make_sim(app2, api)
        alice2 = sim2.user(2, "Alice")
        await alice2.send("2026-12-01")
        assert "Until which day?" in alice2.last_reply.text
        await alice2.press("No end")
        assert "Saved" in alice2.last_reply.text
        assert sim2.last_update is not None
        await sim2.replay(sim2.last_update)
    [rule] = await _rules(session_factory)
    assert rule.viewable_metrics == ["e1rm", "reps"]
    assert rule.visibility_start == date(2026, 12, 1)
    assert [r.text for r in tom.replies].count(
        f"📈 Alice now shares {BENCH}: e1RM, Reps · from 2026-12-01, no end."
    ) == 1
