"""How-tos and demos: a trainer attaches their own demo and cues; clients read them in one tap."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.application import SpotterApplication
from bot.dispatch import dispatch_due
from coaching.clock import ManualClock
from coaching.domain.enums import RelationshipStatus
from storage.models import Exercise, ExerciseDemo, Relationship
from storage.repositories.exercises import ExerciseRepository
from tests.factories import (
    Coaching,
    client_sets,
    live_message,
    make_coaching,
    make_template,
    make_user,
)
from tests.fakes.chat import ChatSimulator, SimUser

Factory = async_sessionmaker[AsyncSession]
SQUAT = "Barbell Back Squat"
CUES = "Brace before you unrack; spread the floor"


async def setup(factory: Factory) -> Coaching:
    alice = await make_user(factory, 1001, "Alice", trainer=True)
    bob = await make_user(factory, 2002, "Bob", client=True)
    return await make_coaching(factory, alice, bob)


async def squat_id(factory: Factory) -> int:
    async with factory() as session:
        found = await ExerciseRepository(session).by_slug("barbell-back-squat")
        assert found is not None
        return found.id


async def open_demo(alice: SimUser, query: str = "back squat", name: str = SQUAT) -> None:
    await alice.send("/exercises")
    await alice.send(query)
    await alice.press(name)
    await alice.press("🎬 My demo and cues")


async def demos(factory: Factory) -> list[ExerciseDemo]:
    async with factory() as session:
        return list((await session.execute(select(ExerciseDemo))).scalars())


async def give_squats_today(alice: SimUser, clock: ManualClock) -> None:
    """A single workout at 18:00 today (UTC), through /workout."""
    await alice.send("/workout")
    await alice.press("Bob")
    await alice.press("➕ New workout")
    await alice.send("Back squat 3x5 @100kg\nRomanian deadlift 3x8 @60kg")
    await alice.send("today 18:00")
    await alice.press("✅ Assign")


async def test_a_trainer_attaches_a_video_and_cues_and_their_client_sees_them_from_today(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await open_demo(alice)
    assert "Your demo and cues for Barbell Back Squat" in alice.last_reply.text
    assert "Demo: none yet" in alice.last_reply.text

    await alice.send_document(b"%PDF-1.4", "notes.pdf")
    assert "Send the demo as a video, GIF or photo" in alice.last_reply.text
    await alice.send("\u200b  ")
    assert "Cues need words" in alice.last_reply.text
    await alice.send("x" * 900)
    assert "under 800 characters" in alice.last_reply.text
    assert await demos(session_factory) == []

    await alice.send_video("ALICE_SQUAT_VIDEO")
    assert "Saved your demo for Barbell Back Squat" in alice.last_reply.text
    assert "Demo: video" in alice.last_reply.text
    await alice.send(CUES)
    assert "Saved your cues" in alice.last_reply.text
    [demo] = await demos(session_factory)
    assert demo.file_id == "ALICE_SQUAT_VIDEO"
    assert demo.media_kind == "video"
    assert demo.cues == CUES

    await give_squats_today(alice, clock)
    await bob.send("/today")
    assert "ℹ️ Barbell Back Squat" in bob.last_reply.flat_buttons
    today = bob.last_reply.message_id
    await bob.press("ℹ️ Barbell Back Squat")
    shown = bob.last_reply
    assert shown.video is not None
    assert shown.video["file_id"] == "ALICE_SQUAT_VIDEO"
    assert "From Alice:" in shown.text
    assert CUES in shown.text
    assert "Setup:" in shown.text
    assert bob.replies[-2].message_id == today, "the how-to comes below; /today stays"

    await bob.press("ℹ️ Romanian Deadlift", message_id=today)
    assert bob.last_reply.video is None
    assert "Romanian Deadlift" in bob.last_reply.text
    assert "Avoid:" in bob.last_reply.text
    assert "From Alice" not in bob.last_reply.text


async def test_another_trainers_client_sees_only_the_built_in_how_to(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await setup(session_factory)
    eve = await make_user(session_factory, 3003, "Eve", trainer=True)
    carol = await make_user(session_factory, 4004, "Carol", client=True)
    await make_coaching(session_factory, eve, carol)
    alice, carol_chat = sim.user(1001, "Alice"), sim.user(4004, "Carol")
    await open_demo(alice)
    await alice.send_video("ALICE_SQUAT_VIDEO")
    await alice.send(CUES)
    await carol_chat.send("/today")
    await carol_chat.press_data(f"ht:{await squat_id(session_factory)}")
    assert carol_chat.last_reply.video is None
    assert "Barbell Back Squat" in carol_chat.last_reply.text
    assert "Setup:" in carol_chat.last_reply.text
    assert CUES not in carol_chat.last_reply.text


async def test_a_photo_demo_on_the_trainers_own_exercise_and_forged_buttons(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    coaching = await setup(session_factory)
    async with session_factory() as session:
        own = Exercise(
            owner_user_id=coaching.trainer.id,
            name="Sandbag Carry",
            category="other",
            muscle_groups=["core", "forearms"],
            equipment=["sandbag"],
            aliases=[],
            created_by=coaching.trainer.id,
        )
        session.add(own)
        await session.commit()
        own_id = own.id
    eve = await make_user(session_factory, 3003, "Eve", trainer=True)
    await make_coaching(session_factory, eve, None, name="Zed")
    alice, bob, eve_chat = sim.user(1001, "Alice"), sim.user(2002, "Bob"), sim.user(3003, "Eve")
    await open_demo(alice, "sandbag", "Sandbag Carry")
    await alice.send_photo("ALICE_SANDBAG_PHOTO")
    assert "Demo: photo" in alice.last_reply.text
    await alice.press("ℹ️ Preview")
    assert alice.last_reply.photo is not None

    await bob.send("/today")
    await bob.press_data(f"ht:{own_id}")
    assert bob.last_reply.photo is not None
    assert bob.last_reply.photo[-1]["file_id"] == "ALICE_SANDBAG_PHOTO"
    assert "Works: core, forearms" in bob.last_reply.text

    await eve_chat.send("/exercises")
    before = len(eve_chat.replies)
    await eve_chat.press_data(f"ht:{own_id}")
    assert eve_chat.last_answer == "I can't find that exercise."
    await eve_chat.press_data("ht:nonsense")
    assert eve_chat.last_answer is not None
    assert "expired" in eve_chat.last_answer
    await eve_chat.press_data(f"ex:demo:{own_id}")
    assert eve_chat.last_answer is not None
    assert len(eve_chat.replies) == before, "nothing about Alice's exercise reaches Eve"

    await bob.press_data(f"ex:demo:{own_id}")
    assert "/exercises is for trainers" in bob.last_reply.text, "a client: what it is for"
    assert await _demo_count(session_factory) == 1


async def _demo_count(factory: Factory) -> int:
    return len(await demos(factory))


async def test_removing_the_demo_and_cancel(sim: ChatSimulator, session_factory: Factory) -> None:
    await setup(session_factory)
    alice = sim.user(1001, "Alice")
    await open_demo(alice)
    await alice.send("/cancel")
    assert "Cancelled" in alice.last_reply.text
    await alice.send(CUES)
    assert await demos(session_factory) == [], "after /cancel typed text is no cue"

    await open_demo(alice)
    await alice.send(CUES)
    await alice.press("🗑 Remove mine")
    assert "Removed your demo and cues" in alice.last_reply.text
    assert await demos(session_factory) == []
    await alice.press("✅ Done")
    assert "Barbell Back Squat" in alice.last_reply.text


async def test_the_how_to_opens_mid_live_session_and_the_session_goes_on(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await give_squats_today(alice, clock)
    clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
    await dispatch_due(app.bot, app.services.ctx)
    await bob.press("▶️ Start logging")
    assert "target 3×5 @ 100 kg" in live_message(bob).text
    await bob.press_data(f"ht:{await squat_id(session_factory)}")
    assert "Setup:" in bob.last_reply.text
    await bob.send("100x5")
    assert len(await client_sets(session_factory, coaching.profile.id)) == 1

    await bob.press("More…", message_id=live_message(bob).message_id)
    await bob.press("ℹ️ How to")
    assert "Barbell Back Squat" in bob.last_reply.text
    assert "Avoid:" in bob.last_reply.text
    await bob.send("100x5")
    assert len(await client_sets(session_factory, coaching.profile.id)) == 2
    assert "Set 3 of 3" in live_message(bob).text


async def test_when_the_relationship_ends_the_client_sees_only_the_built_in_how_to(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    coaching = await setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await open_demo(alice)
    await alice.send_video("ALICE_SQUAT_VIDEO")
    await bob.send("/today")
    squat = await squat_id(session_factory)
    await bob.press_data(f"ht:{squat}")
    assert bob.last_reply.video is not None
    async with session_factory() as session:
        relationship = await session.get(Relationship, coaching.relationship.id)
        assert relationship is not None
        relationship.status = RelationshipStatus.TERMINATED
        await session.commit()
    await bob.send("/today")
    await bob.press_data(f"ht:{squat}")
    after = bob.last_reply
    assert after.video is None
    assert "Setup:" in after.text


async def test_the_template_view_offers_each_exercises_how_to(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    coaching = await setup(session_factory)
    await make_template(session_factory, coaching)
    alice = sim.user(1001, "Alice")
    await alice.send("/templates")
    await alice.press("Push day")
    view = alice.last_reply.message_id
    assert "ℹ️ Barbell Bench Press" in alice.last_reply.flat_buttons
    await alice.press("ℹ️ Barbell Bench Press")
    assert "Barbell Bench Press" in alice.last_reply.text
    assert "Setup:" in alice.last_reply.text
    assert alice.replies[-2].message_id == view, "the template stays open above"


async def test_a_gif_demo_with_the_longest_cues_reaches_the_client_within_telegrams_caption(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await open_demo(alice)
    await alice.send_animation("ALICE_SQUAT_GIF")
    assert "Saved your demo for Barbell Back Squat" in alice.last_reply.text
    assert "Demo: GIF" in alice.last_reply.text
    cues = ("Sit between your heels & keep <the bar> over mid-foot. " * 14)[:799].rstrip()
    await alice.send(cues)
    assert "Saved your cues" in alice.last_reply.text
    [demo] = await demos(session_factory)
    assert (demo.file_id, demo.media_kind, demo.cues) == ("ALICE_SQUAT_GIF", "animation", cues)

    await give_squats_today(alice, clock)
    await bob.send("/today")
    today = bob.last_reply.message_id
    await bob.press("ℹ️ Barbell Back Squat")
    gif, rest = bob.replies[-2:]
    assert gif.animation is not None
    assert gif.animation["file_id"] == "ALICE_SQUAT_GIF"
    assert len(gif.text) <= 1024
    assert "Barbell Back Squat" in gif.text
    assert cues[:40] in gif.text, "user text is escaped and shown as typed"
    assert "Setup:" in rest.text, "the how-to that does not fit the caption follows"
    assert bob.replies[-3].message_id == today, "/today stays where it was"
