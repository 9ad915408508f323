"""/templates through the chat simulator: create, enter exercises two ways, edit, copy, archive."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import Units
from storage.models import Exercise, ExerciseTemplate, SessionTemplate
from tests.factories import make_user
from tests.factories import template_rows as _rows
from tests.fakes.chat import ChatSimulator, SimUser


async def _templates(factory: async_sessionmaker[AsyncSession]) -> list[SessionTemplate]:
    async with factory() as session:
        rows = await session.execute(select(SessionTemplate).order_by(SessionTemplate.id))
        return list(rows.scalars())


async def _new(tara: SimUser, name: str) -> None:
    await tara.send("/templates")
    await tara.press("New template")
    await tara.send(name)


async def test_create_a_template_in_one_message(
    tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await tara.send("/templates")
    assert "no templates yet" in tara.last_reply.text
    await tara.press("New template")
    assert "called" in tara.last_reply.text
    await tara.send("Lower A")
    assert "Template Lower A created" in tara.last_reply.text
    assert "one exercise per line" in tara.last_reply.text
    await tara.send("Back squat 3x5 @100kg rest 180\nRDL 3x8-12 @rpe8 rest 2m - hinge at the hips")
    text = tara.last_reply.text
    assert "Added 2 exercises" in text
    assert "1. Barbell Back Squat — 3×5 @ 100 kg, rest 3:00" in text
    assert "2. Romanian Deadlift — 3×8–12, RPE 8, rest 2:00" in text
    assert "hinge at the hips" in text
    assert "✏️ Edit details" in tara.last_reply.flat_buttons

    (template,) = await _templates(session_factory)
    rows = await _rows(session_factory, template.id)
    assert [r["target_sets"] for r in rows] == [3, 3]
    await tara.send("/templates")
    assert "Lower A" in tara.last_reply.flat_buttons


async def test_a_bad_line_is_named_and_the_step_stays(
    tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _new(tara, "Upper")
    await tara.send("Bench 3x5 @80kg\nRow lots")
    reply = tara.last_reply.text
    assert "Line 2: Row lots" in reply
    assert "couldn't find the sets and reps" in reply
    assert "Back squat 3x5 @100kg rest 180" in reply, "an example when no fix is sure"
    (template,) = await _templates(session_factory)
    assert await _rows(session_factory, template.id) == []
    await tara.send("Bench 3x5 @80kg\nBarbell row 3x8 @60")
    assert "Added 2 exercises" in tara.last_reply.text


async def test_commas_and_bare_numbers_as_the_prompt_invites(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await make_user(session_factory, 1002, "Pam", trainer=True, units=Units.LB)
    pam = sim.user(1002, "Pam")
    await _new(pam, "Full body")
    assert "separated by commas" in pam.last_reply.text
    assert "A number alone is in lb" in pam.last_reply.text
    await pam.send("Squat 3x5 100, Bench 3x8 60\nDeadlift 1x5 135")
    text = pam.last_reply.text
    assert "Added 3 exercises" in text
    assert "3×5 @ 100 lb" in text
    assert "3×8 @ 60 lb" in text
    assert "1×5 @ 135 lb" in text
    (template,) = await _templates(session_factory)
    rows = await _rows(session_factory, template.id)
    assert [str(r["target_weight_kg"]) for r in rows] == ["45.359", "27.216", "61.235"]


async def test_an_unreadable_part_is_named_with_the_fixed_line(
    tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _new(tara, "Upper")
    await tara.send("Squat 3x5 100, Bench 3x8 60 pause <2s> at the chest")
    reply = tara.last_reply.text
    assert "Line 1: Bench 3x8 60 pause <2s> at the chest" in reply
    assert "The part I couldn't read: pause <2s> at the chest" in reply
    assert "Fixed, it reads:\nBench 3x8 60 - pause <2s> at the chest" in reply
    (template,) = await _templates(session_factory)
    assert await _rows(session_factory, template.id) == [], "nothing of the message is stored"
    await tara.send("Squat 3x5 100, Bench 3x8 60 @heavy")
    assert "The part I couldn't read: @heavy" in tara.last_reply.text
    assert "Fixed, it reads" not in tara.last_reply.text
    await tara.send("Squat 3x5 100, Bench 3x8 60 - pause <2s> at the chest")
    assert "Added 2 exercises" in tara.last_reply.text
    rows = await _rows(session_factory, template.id)
    assert rows[1]["target_weight_kg"] == 60
    long_line = "Squat 3x5 100 " + "slowly " * 700
    await tara.send(long_line[:4000])
    assert len(tara.last_reply.text) < 4096


async def test_an_unknown_name_offers_matches_search_and_own_exercise(
    tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _new(tara, "Mixed")
    await tara.send("Deadlfit 3x5 @140\nSled shove 4x20m\nSquat 3x5")
    assert "Line 1" in tara.last_reply.text
    assert "Which exercise is “Deadlfit”" in tara.last_reply.text
    assert tara.last_reply.flat_buttons[0] == "Barbell Deadlift"
    await tara.press("Barbell Deadlift")
    assert "Line 2" in tara.last_reply.text
    await tara.send("sled")
    assert "Sled Push" in tara.last_reply.flat_buttons
    await tara.press("as my own")
    assert "What kind of exercise is “Sled shove”" in tara.last_reply.text
    await tara.press("Other")
    reply = tara.last_reply.text
    assert "Added 3 exercises" in reply
    assert "1. Barbell Deadlift" in reply
    assert "2. Sled shove — 4×20 m" in reply
    assert "3. Barbell Back Squat" in reply
    async with session_factory() as session:
        own = (
            await session.execute(select(Exercise).where(Exercise.owner_user_id.is_not(None)))
        ).scalar_one()
        assert (own.name, own.category, own.measure) == ("Sled shove", "other", "distance_time")


async def test_step_by_step_stores_what_one_message_stores(
    tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _new(tara, "By message")
    await tara.send("Back squat 4x8-12 @100kg rpe 8 rest 180 - brace hard")
    await _new(tara, "By buttons")
    await tara.press("Step by step")
    assert "which exercise" in tara.last_reply.text
    await tara.send("back squat")
    await tara.press("Barbell Back Squat")
    assert "How many sets" in tara.last_reply.text
    await tara.send("25")
    assert "Sets must be between 1 and 20. For example: 3" in tara.last_reply.text
    assert "How many sets" in tara.last_reply.text
    await tara.press("4")
    await tara.send("12-8")
    assert "runs backwards" in tara.last_reply.text
    await tara.press("8-12")
    assert "What load" in tara.last_reply.text
    await tara.send("heavy")
    assert "load" in tara.last_reply.text.lower()
    assert "For example" in tara.last_reply.text
    await tara.send("100")
    assert "4×8–12 @ 100 kg" in tara.last_reply.text
    await tara.press("RPE 8")
    await tara.press("3 min")
    await tara.send("brace hard")
    await tara.press("Skip")
    assert "Added Barbell Back Squat" in tara.last_reply.text
    assert "4×8–12 @ 100 kg, RPE 8, rest 3:00" in tara.last_reply.text

    one, two = await _templates(session_factory)
    assert await _rows(session_factory, one.id) == await _rows(session_factory, two.id)


async def test_pounds_users_type_and_see_pounds(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await make_user(session_factory, 1002, "Pam", trainer=True, units=Units.LB)
    pam = sim.user(1002, "Pam")
    await _new(pam, "Squats")
    assert "A number alone is in lb" in pam.last_reply.text
    await pam.send("Squat 3x5 @225")
    assert "3×5 @ 225 lb" in pam.last_reply.text
    (template,) = await _templates(session_factory)
    (row,) = await _rows(session_factory, template.id)
    assert str(row["target_weight_kg"]) == "102.058"


async def test_reorder_replace_retarget_and_remove(tara: SimUser) -> None:
    await _new(tara, "Full body")
    await tara.send("Squat 3x5\nBench 3x5\nPull-up 3x8")
    await tara.press("Reorder")
    await tara.press("⬆️ 3")
    assert "1. Barbell Back Squat" in tara.last_reply.text
    assert "2. Pull-Up" in tara.last_reply.text
    await tara.press("Done")
    await tara.press("Replace exercise")
    await tara.press("3. Barbell Bench Press")
    await tara.send("dips")
    await tara.press(tara.last_reply.flat_buttons[0])
    assert "Replaced with" in tara.last_reply.text
    assert "Bench" not in tara.last_reply.text
    await tara.press("Edit targets")
    await tara.press("1. Barbell Back Squat")
    await tara.send("five by five")
    assert "couldn't read" in tara.last_reply.text
    await tara.send("5x5 120 slow eccentric")
    assert "For example: 5x5 120 - slow eccentric" in tara.last_reply.text, "the fixed line"
    await tara.send("5x5 @120kg rest 3m")
    assert "1. Barbell Back Squat — 5×5 @ 120 kg, rest 3:00" in tara.last_reply.text
    await tara.press("Remove exercise")
    await tara.press("2. Pull-Up")
    assert "Removed Pull-Up" in tara.last_reply.text
    assert "Pull-Up —" not in tara.last_reply.text


async def test_details_copy_and_archive(
    tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _new(tara, "Legs")
    await tara.send("Squat 3x5 @100")
    await tara.press("Edit details")
    await tara.press("Duration")
    await tara.send("forever")
    assert "duration in minutes" in tara.last_reply.text
    await tara.send("1h15")
    assert "Duration saved" in tara.last_reply.text
    assert "75 min" in tara.last_reply.text
    await tara.press("Edit details")
    await tara.press("Difficulty")
    await tara.press("Advanced")
    assert "Advanced · 75 min" in tara.last_reply.text
    await tara.press("Edit details")
    await tara.press("Equipment")
    await tara.send("barbell, <rack>")
    assert "Equipment: barbell, <rack>" in tara.last_reply.text

    await tara.press("Copy")
    assert "Copied" in tara.last_reply.text
    assert "Legs (copy)" in tara.last_reply.text
    assert "Barbell Back Squat" in tara.last_reply.text
    await tara.press("Archive")
    assert "Archive Legs (copy)?" in tara.last_reply.text
    await tara.press("Yes, archive")
    assert "Archived Legs (copy)" in tara.last_reply.text
    assert tara.last_reply.flat_buttons == ["Legs", "➕ New template"]
    templates = await _templates(session_factory)
    assert [(t.name, t.is_active) for t in templates] == [("Legs", True), ("Legs (copy)", False)]


async def test_cancel_in_every_step_stores_nothing(
    tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await tara.send("/templates")
    await tara.press("New template")
    await tara.send("/cancel")
    assert "Cancelled" in tara.last_reply.text
    await tara.send("Lower A")
    assert "not expecting a message" in tara.last_reply.text
    assert await _templates(session_factory) == []

    await _new(tara, "Lower A")
    await tara.press("Step by step")
    await tara.send("squat")
    await tara.press("Barbell Back Squat")
    await tara.press("3")
    await tara.send("/cancel")
    assert "Cancelled" in tara.last_reply.text
    (template,) = await _templates(session_factory)
    assert await _rows(session_factory, template.id) == []


async def test_forged_and_stale_buttons_are_refused(
    sim: ChatSimulator, tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _new(tara, "Secret")
    await tara.send("Squat 3x5 @100")
    (template,) = await _templates(session_factory)
    (row,) = await _rows(session_factory, template.id)
    await make_user(session_factory, 1003, "Otto", trainer=True)
    otto = sim.user(1003, "Otto")
    await otto.send("/templates")
    for data in (
        f"tpl:open:{template.id}",
        f"tpl:copy:{template.id}",
        f"tpl:arcy:{template.id}",
        f"tpl:add:{template.id}",
        f"tpl:rm:{template.id}",
        f"tpl:dv:{template.id}:advanced",
        "tpl:open:999999",
    ):
        await otto.press_data(data)
        assert otto.last_answer == "I can't find that template among yours.", data
        assert otto.last_answer_alert
        assert "Secret" not in otto.last_reply.text
    async with session_factory() as session:
        rows = await session.execute(select(ExerciseTemplate))
        row_id = next(iter(rows.scalars())).id
    await otto.press_data(f"tpl:rmr:{template.id}:{row_id}")
    assert otto.last_answer == "I can't find that template among yours."
    await otto.press_data("tpl:open:abc")
    assert otto.last_answer is not None
    assert "expired" in otto.last_answer
    await otto.press_data("tpl:pick:1")
    assert "expired" in (otto.last_answer or "")
    templates = await _templates(session_factory)
    assert [(t.name, t.is_active) for t in templates] == [("Secret", True)]
    assert len(await _rows(session_factory, template.id)) == 1
    assert row["target_sets"] == 3


async def test_clients_cannot_use_templates(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await make_user(session_factory, 2001, "Cleo", client=True)
    cleo = sim.user(2001, "Cleo")
    await cleo.send("/templates")
    assert "/templates is for trainers" in cleo.last_reply.text


async def test_step_buttons_answer_only_the_step_they_were_made_for(tara: SimUser) -> None:
    await _new(tara, "By buttons")
    await tara.press("Step by step")
    await tara.send("back squat")
    await tara.press("Barbell Back Squat")
    assert tara.last_reply.button_data[0][3] == "tpl:sv:3:sets"
    # Before buttons named their step, they carried the answer itself: those are stale now,
    # as is a button of another step or past the end of this one.
    for data in ("tpl:sv:4", "tpl:sv:-", "tpl:sv:0:target", "tpl:sv:6:sets", "tpl:sv:x"):
        await tara.press_data(data)
        assert "expired" in (tara.last_answer or ""), data
    assert "How many sets" in tara.last_reply.text
    await tara.press("4")
    assert "How many reps" in tara.last_reply.text
    assert tara.last_reply.button_data[0][4] == "tpl:sv:4:target"
    await tara.press("8-12")
    await tara.press("No load")
    assert "4×8–12" in tara.last_reply.text
    assert "RPE or RIR" in tara.last_reply.text
