"""Small input and wording defects QA found, each through the chat as the person saw it.

Brackets in an injury list, a typed "skip" at a step that offers Skip, a bare "Row" that was
silently the rowing machine, /cancel's wording after something was saved, whole-hour times, "1
sets", and a city typed as a time zone.
"""

from __future__ import annotations

from datetime import time

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import (
    Certificate,
    ClientProfile,
    ExerciseRecord,
    ExerciseTemplate,
    Program,
    SessionRecord,
    SessionTemplate,
    SetRecord,
)
from tests.factories import ZELDA, assign_setup, assignments, make_user, rich_client, to_time_step
from tests.factories import user_row as _user
from tests.fakes.chat import ChatSimulator, SimUser

Factory = async_sessionmaker[AsyncSession]
TARA, CARL = 1001, 600


async def _template_rows(factory: Factory) -> list[ExerciseTemplate]:
    async with factory() as session:
        rows = await session.execute(
            select(ExerciseTemplate)
            .join(SessionTemplate, SessionTemplate.id == ExerciseTemplate.session_template_id)
            .order_by(ExerciseTemplate.order_index)
        )
        return list(rows.scalars())


async def _exercise_names(factory: Factory) -> list[str]:
    async with factory() as session:
        rows = await session.execute(
            select(ExerciseTemplate).order_by(ExerciseTemplate.order_index)
        )
        names = []
        for row in rows.scalars():
            await session.refresh(row, ["exercise"])
            names.append(row.exercise.name)
        return names


async def _new_template(tara: SimUser, name: str = "Upper") -> None:
    await tara.send("/templates")
    await tara.press("New template")
    await tara.send(name)
    assert f"Template {name} created" in tara.last_reply.text


# --- 1. brackets in an injury list ----------------------------------------------------------


async def test_the_bots_own_injury_example_is_one_injury(
    tara: SimUser, session_factory: Factory
) -> None:
    await tara.send("/newclient")
    await tara.send("Maria Lopez")
    await tara.press("Add details")
    while "Injuries" not in tara.last_reply.text:
        await tara.press("Skip")
    assert "left knee (ACL, 2021)" in tara.last_reply.text, "the prompt's own example"
    await tara.send("left knee (ACL, 2021), lower back pain")
    while "Check the new client" not in tara.last_reply.text:
        await tara.press("Skip")
    assert "Injuries: left knee (ACL, 2021); lower back pain" in tara.last_reply.text
    await tara.press("Create")
    async with session_factory() as session:
        profile = (await session.execute(select(ClientProfile))).scalar_one()
    assert profile.injuries == ["left knee (ACL, 2021)", "lower back pain"]


# --- 2. a typed "skip" where the step offers Skip -------------------------------------------


async def test_typed_skip_in_a_new_program_stores_nothing(
    tara: SimUser, session_factory: Factory
) -> None:
    await tara.send("/programs")
    await tara.press("New program")
    await tara.send("Strength block")
    assert "or skip" in tara.last_reply.text
    await tara.send("skip")
    assert "Pick a difficulty, or skip" in tara.last_reply.text
    await tara.send("SKIP")
    assert "How many weeks" in tara.last_reply.text
    await tara.send("skip")
    assert "1 to 52" in tara.last_reply.text, "the weeks step has no Skip: skip is no answer"
    await tara.send("6")
    await tara.send("none")
    assert "Program Strength block created" in tara.last_reply.text
    assert "skip" not in tara.last_reply.text.lower()
    async with session_factory() as session:
        program = (await session.execute(select(Program))).scalar_one()
    assert (program.description, program.difficulty, program.goals) == (None, None, [])


async def test_typed_skip_in_the_step_by_step_entry_stores_nothing(
    tara: SimUser, session_factory: Factory
) -> None:
    await _new_template(tara)
    await tara.press("Step by step")
    await tara.send("bench")
    await tara.press("Barbell Bench Press")
    await tara.send("1")
    assert "Barbell Bench Press · 1 set\n" in tara.last_reply.text
    await tara.send("5")
    await tara.send("none")  # as the "No load" button
    assert "RPE or RIR" in tara.last_reply.text
    await tara.send("skip")
    assert "Rest" in tara.last_reply.text
    await tara.send("Skip")
    assert "instructions" in tara.last_reply.text
    await tara.send("-")
    assert "tips" in tara.last_reply.text
    assert "or skip" in tara.last_reply.text
    await tara.send("skip")
    text = tara.last_reply.text
    assert "Added Barbell Bench Press" in text
    assert "💡" not in text
    assert "skip" not in text.lower()
    (row,) = await _template_rows(session_factory)
    assert (row.target_sets, row.reps_min, row.target_weight_kg) == (1, 5, None)
    assert (row.target_rpe, row.target_rir, row.rest_seconds) == (None, None, None)
    assert (row.instructions, row.tips) == (None, None)


async def test_typed_skip_at_a_certificates_optional_steps(
    tara: SimUser, session_factory: Factory
) -> None:
    await tara.send("/profile")
    await tara.press("Certificates")
    await tara.press("Add certificate")
    await tara.send("skip")
    assert "body issued" in tara.last_reply.text, "the name is required: 'skip' is a name"
    await tara.press("Cancel")
    await tara.press("Add certificate")
    await tara.send("CPR")
    await tara.send("skip")
    assert "When did you obtain it?" in tara.last_reply.text
    await tara.send("Skip")
    assert "When does it expire?" in tara.last_reply.text
    assert "couldn't read" not in tara.last_reply.text
    await tara.send("2026-11-24")
    await tara.send("none")
    text = tara.last_reply.text
    assert "Certificate CPR added" in text
    assert "expires in 1 day (2026-11-24)" in text, "one day, not 1 days"
    async with session_factory() as session:
        certs = (await session.execute(select(Certificate).order_by(Certificate.id))).scalars()
        rows = [(c.name, c.issuing_body, c.date_obtained, c.verification_link) for c in certs]
    assert rows == [("CPR", None, None, None)], "the first draft was left, nothing else saved"


async def test_typed_skip_and_none_in_a_detail_editor(
    tara: SimUser, session_factory: Factory
) -> None:
    await _new_template(tara, "Legs")
    await tara.press("Done")
    await tara.press("Edit details")
    await tara.press("Description")
    await tara.send("Heavy squat day")
    assert "Description saved" in tara.last_reply.text
    await tara.press("Edit details")
    await tara.press("Description")
    await tara.send("Skip")
    assert "Description left as it was." in tara.last_reply.text
    assert "Heavy squat day" in tara.last_reply.text
    await tara.press("Edit details")
    await tara.press("Name")
    await tara.send("none")
    assert "Name left as it was." in tara.last_reply.text
    await tara.press("Edit details")
    await tara.press("Description")
    await tara.send("none")
    assert "Description saved" in tara.last_reply.text, "as the Clear button"
    async with session_factory() as session:
        template = (await session.execute(select(SessionTemplate))).scalar_one()
    assert (template.name, template.description) == ("Legs", None)


# --- 3. "Row" is a choice, and reps with a load don't fit a rower -----------------------------


async def test_row_asks_which_row_and_leaves_out_the_rowing_machine(
    tara: SimUser, session_factory: Factory
) -> None:
    await _new_template(tara)
    await tara.send("Row 3x8 @60")
    question = tara.last_reply
    assert "Which exercise is “Row”?" in question.text
    offered = question.flat_buttons[:-1]
    assert "Seated Cable Row" in offered
    assert all(b.endswith("Row") for b in offered), offered
    assert "Rowing Machine" not in offered
    assert await _template_rows(session_factory) == []
    # Searching for the machine finds it, but it can't take reps with a load.
    await tara.send("rowing machine")
    await tara.press("Rowing Machine")
    assert tara.last_answer is not None
    assert "Rowing Machine is measured by distance or time" in tara.last_answer
    assert await _template_rows(session_factory) == []
    await tara.send("barbell row")
    await tara.press("Barbell Bent-Over Row")
    assert "Added 1 exercise." in tara.last_reply.text
    assert await _exercise_names(session_factory) == ["Barbell Bent-Over Row"]


async def test_reps_with_a_load_on_the_rowing_machine_are_refused_with_an_example(
    tara: SimUser, session_factory: Factory
) -> None:
    await _new_template(tara)
    await tara.send("Bench 3x5 @80\nRowing machine 3x8 @60")
    text = tara.last_reply.text
    assert "Line 2 (“Rowing machine 3x8 @60”)" in text
    assert "Rowing Machine is measured by distance or time, not by reps with a load." in text
    assert "For example: Rowing Machine 4x500m" in text
    assert await _template_rows(session_factory) == []
    await tara.send("Bench 3x5 @80\nRower 1x2000m\nErg 5x500m")
    assert "Added 3 exercises" in tara.last_reply.text
    assert await _exercise_names(session_factory) == [
        "Barbell Bench Press",
        "Rowing Machine",
        "Rowing Machine",
    ]


async def test_step_by_step_refuses_a_load_on_reps_for_the_rowing_machine(
    tara: SimUser, session_factory: Factory
) -> None:
    await _new_template(tara)
    await tara.press("Step by step")
    await tara.send("rower")
    await tara.press("Rowing Machine")
    await tara.send("3")
    await tara.send("8")
    await tara.send("60")
    assert "Rowing Machine is measured by distance or time" in tara.last_reply.text
    assert "What load?" in tara.last_reply.text, "still at the load step"
    await tara.press("No load")
    assert "RPE or RIR" in tara.last_reply.text
    assert await _template_rows(session_factory) == []


# --- 4. /cancel after something was saved ----------------------------------------------------


async def test_cancel_after_saving_exercises_says_they_are_kept(
    tara: SimUser, session_factory: Factory
) -> None:
    await _new_template(tara)
    lines = "\n".join(
        f"{name} 3x8 @40"
        for name in ("Bench", "Squat", "Deadlift", "OHP", "RDL", "Pull-up", "Dips", "Shrug")
    )
    await tara.send(lines)
    assert "✅ Added 8 exercises." in tara.last_reply.text
    await tara.press("Add exercises")
    await tara.send("/cancel")
    reply = tara.last_reply.text
    assert "What you already saved is kept." in reply
    assert "Nothing was changed" not in reply
    assert len(await _template_rows(session_factory)) == 8


# --- 5. whole hours, and the settings questions show what is stored -------------------------


async def test_assign_reads_19_and_07_as_whole_hours(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await assign_setup(session_factory)
    alice = sim.user(1001, "Alice")
    await to_time_step(alice)
    await alice.send("12")
    assert "'12' on its own could be noon or midnight" in alice.last_reply.text
    await alice.send("19")
    assert "Starts Mon 30 Nov · Mon, Wed, Fri at 19:00\n" in alice.last_reply.text
    await alice.press("✖️ Cancel")
    await to_time_step(alice)
    await alice.send("mon 07, wed 18, fri 7am")
    assert "Mon 07:00, Wed 18:00, Fri 07:00" in alice.last_reply.text
    assert await assignments(session_factory) == []


async def test_settings_read_times_like_assign_and_reask_with_the_stored_value(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, CARL, "Carl", client=True, timezone="Europe/London")
    carl = sim.user(CARL, "Carl")
    await carl.send("/settings")
    await carl.press("Evening reminder")
    await carl.send("19")
    assert "reminder at 19:00 the evening before" in carl.last_reply.text
    await carl.press("Evening reminder")
    await carl.send("7")
    text = carl.last_reply.text
    assert "'7' on its own could be morning or evening. Write 07:00, 19:00 or 7pm." in text
    assert "Now: 19:00" in text
    assert "Now: —" not in text

    await carl.press("Back")
    await carl.press("Quiet hours")
    await carl.send("22-07")
    assert "Quiet hours set to 22:00–07:00" in carl.last_reply.text
    await carl.press("Quiet hours")
    await carl.send("22-7")
    text = carl.last_reply.text
    assert "'7' on its own could be morning or evening" in text
    assert "Now: 22:00–07:00" in text

    await carl.press("Back")
    await carl.press("Before a session")
    await carl.send("3 days")
    assert "Now: 1 hour" in carl.last_reply.text
    user = await _user(session_factory, CARL)
    assert (user.evening_reminder_time, user.reminder_lead_minutes) == (time(19, 0), 60)


# --- 6. one set, one session -----------------------------------------------------------------


async def test_my_data_counts_one_session_and_one_set(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    rich = await rich_client(session_factory)
    async with session_factory() as session:  # keep only the workout logged with her trainer
        own = select(SessionRecord.id).where(SessionRecord.client_profile_id != rich.profile_id)
        own_ids = list((await session.execute(own)).scalars())
        await session.execute(
            delete(SetRecord).where(SetRecord.client_profile_id != rich.profile_id)
        )
        await session.execute(
            delete(ExerciseRecord).where(ExerciseRecord.session_record_id.in_(own_ids))
        )
        await session.execute(delete(SessionRecord).where(SessionRecord.id.in_(own_ids)))
        await session.commit()
    zelda = sim.user(ZELDA, "Zelda")
    replies = await zelda.send("/mydata")
    assert "your workout history (1 session, 1 set)" in replies[0].text


# --- 7. a city as a time zone ----------------------------------------------------------------


async def test_a_city_name_sets_the_time_zone(sim: ChatSimulator, session_factory: Factory) -> None:
    await make_user(session_factory, CARL, "Carl", client=True, timezone="Europe/London")
    carl = sim.user(CARL, "Carl")
    await carl.send("/settings")
    await carl.press("Time zone")
    await carl.send("madrid")
    assert "Time zone set to Europe/Madrid" in carl.last_reply.text
    await carl.press("Time zone")
    await carl.send("new york")
    assert "Time zone set to America/New_York" in carl.last_reply.text
    await carl.press("Time zone")
    await carl.send("eastern")
    text = carl.last_reply.text
    assert "“eastern” matches several time zones: Canada/Eastern, US/Eastern" in text
    assert "Now: America/New_York" in text
    await carl.send("atlantis")
    assert "I don't know a time zone or city called “atlantis”" in carl.last_reply.text
    assert "Madrid" in carl.last_reply.text
    assert (await _user(session_factory, CARL)).timezone == "America/New_York"
