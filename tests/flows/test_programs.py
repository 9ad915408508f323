"""/programs through the chat simulator: create, fill weeks, repeat a week, copy, archive."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import ExerciseTemplate, Program, ProgramSession
from tests.factories import make_user
from tests.fakes.chat import ChatSimulator, SimUser


async def _programs(factory: async_sessionmaker[AsyncSession]) -> list[Program]:
    async with factory() as session:
        rows = await session.execute(select(Program).order_by(Program.id))
        return list(rows.scalars())


async def _sessions(
    factory: async_sessionmaker[AsyncSession], program_id: int
) -> list[tuple[int, int, str, list[Decimal | None]]]:
    async with factory() as session:
        rows = await session.execute(
            select(ProgramSession)
            .where(ProgramSession.program_id == program_id)
            .order_by(ProgramSession.week_number, ProgramSession.session_number)
        )
        result = []
        for s in rows.scalars():
            loads = await session.execute(
                select(ExerciseTemplate.target_weight_kg)
                .where(ExerciseTemplate.program_session_id == s.id)
                .order_by(ExerciseTemplate.order_index)
            )
            result.append((s.week_number, s.session_number, s.name, list(loads.scalars())))
        return result


async def _create(tara: SimUser, name: str = "Strength block", weeks: str = "4") -> None:
    await tara.send("/programs")
    await tara.press("New program")
    await tara.send(name)
    await tara.press("Skip")
    await tara.press("Skip")
    await tara.send(weeks)
    await tara.press("Skip")


async def _template(tara: SimUser) -> None:
    await tara.send("/templates")
    await tara.press("New template")
    await tara.send("Lower A")
    await tara.send("Back squat 3x5 @100kg rest 180\nRDL 3x8 @80kg")


async def test_create_a_program_with_bad_input_at_each_step(
    tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await tara.send("/programs")
    assert "no programs yet" in tara.last_reply.text
    await tara.press("New program")
    await tara.send("   ")
    assert "needs a name" in tara.last_reply.text
    await tara.send("Strength <block>")
    assert "description" in tara.last_reply.text
    await tara.send("Build the base")
    await tara.press("Intermediate")
    assert "How many weeks" in tara.last_reply.text
    await tara.send("99")
    assert "1 to 52" in tara.last_reply.text
    assert "How many weeks" in tara.last_reply.text
    await tara.press("6 weeks")
    await tara.send("squat 140, bench 100")
    text = tara.last_reply.text
    assert "Program Strength <block> created" in text
    assert "Strength <block> · 6 weeks · Intermediate" in text
    assert "Goals: squat 140, bench 100" in text
    assert "No sessions yet in weeks 1–6" in text
    (program,) = await _programs(session_factory)
    assert (program.duration_weeks, program.goals) == (6, ["squat 140", "bench 100"])


async def test_sessions_from_a_template_and_ad_hoc(
    tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _template(tara)
    await _create(tara)
    await tara.press("Week 1")
    assert "No sessions yet" in tara.last_reply.text
    await tara.press("From a template")
    await tara.press("Lower A")
    text = tara.last_reply.text
    assert "Added Lower A to week 1 as session 1" in text
    assert "1. Barbell Back Squat — 3×5 @ 100 kg, rest 3:00" in text

    await tara.press("Session details")
    await tara.press("Warm-up")
    await tara.send("5 min bike\nHip openers")
    assert "Warm-up saved" in tara.last_reply.text
    assert "• Hip openers" in tara.last_reply.text
    await tara.press("Session details")
    await tara.press("Duration")
    await tara.send("ages")
    assert "duration in minutes" in tara.last_reply.text
    await tara.send("50")
    assert "about 50 min" in tara.last_reply.text

    await tara.press("Week 1")
    await tara.press("New session")
    await tara.send("   ")
    assert "Send a name for the session" in tara.last_reply.text
    await tara.send("Upper A")
    assert "Session Upper A added to week 1" in tara.last_reply.text
    assert "one exercise per line" in tara.last_reply.text
    await tara.send("Bench 3x5 @80kg\nPull-up 3x8 @bw")
    assert "Added 2 exercises" in tara.last_reply.text
    assert "Week 1 · Session 2: Upper A" in tara.last_reply.text

    (program,) = await _programs(session_factory)
    assert [s[:3] for s in await _sessions(session_factory, program.id)] == [
        (1, 1, "Lower A"),
        (1, 2, "Upper A"),
    ]


async def test_repeat_week_one_for_weeks_two_to_four_adding_2_5_kg(
    tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _template(tara)
    await _create(tara)
    await tara.press("Week 1")
    await tara.press("From a template")
    await tara.press("Lower A")
    await tara.press("Week 1")
    await tara.press("Program")
    await tara.press("Repeat a week")
    await tara.press("Week 1")
    assert "into which weeks" in tara.last_reply.text
    await tara.send("2-9")
    assert "week 9 is outside it" in tara.last_reply.text
    await tara.send("2-4")
    assert "How much heavier each week" in tara.last_reply.text
    await tara.send("lots")
    assert "couldn't read" in tara.last_reply.text
    await tara.press("+2.5 kg")
    text = tara.last_reply.text
    assert "Week 1 repeated into weeks 2–4, adding 2.5 kg each week (3 sessions)" in text
    (program,) = await _programs(session_factory)
    sessions = await _sessions(session_factory, program.id)
    assert [(w, n, loads) for w, n, _name, loads in sessions] == [
        (1, 1, [Decimal("100.000"), Decimal("80.000")]),
        (2, 1, [Decimal("102.500"), Decimal("82.500")]),
        (3, 1, [Decimal("105.000"), Decimal("85.000")]),
        (4, 1, [Decimal("107.500"), Decimal("87.500")]),
    ]
    await tara.press("Week 4")
    await tara.press("1. Lower A")
    assert "3×5 @ 107.5 kg" in tara.last_reply.text


async def test_repeat_into_occupied_weeks_asks_replace_or_keep(
    tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _template(tara)
    await _create(tara, weeks="3")
    await tara.press("Week 1")
    await tara.press("From a template")
    await tara.press("Lower A")
    await tara.press("Week 1")
    await tara.press("Program")
    await tara.press("Week 3")
    await tara.press("New session")
    await tara.send("Deload")
    await tara.press("Done")
    await tara.press("Week 3")
    await tara.press("Program")
    await tara.press("Repeat a week")
    await tara.press("Week 1", message_id=tara.last_reply.message_id)
    await tara.press("Weeks 2–3")
    await tara.press("Same loads")
    assert "Week 3 already has sessions" in tara.last_reply.text
    await tara.press("Keep them")
    assert "Week 1 repeated into week 2, with the same loads (1 session)" in tara.last_reply.text
    assert "Week 3 kept as they were" in tara.last_reply.text
    (program,) = await _programs(session_factory)
    assert [s[:3] for s in await _sessions(session_factory, program.id)] == [
        (1, 1, "Lower A"),
        (2, 1, "Lower A"),
        (3, 1, "Deload"),
    ]


async def test_copy_edit_and_archive(
    tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _template(tara)
    await _create(tara, weeks="2")
    await tara.press("Week 1")
    await tara.press("From a template")
    await tara.press("Lower A")
    await tara.press("Week 1")
    await tara.press("Program")
    await tara.press("Edit details")
    await tara.press("Weeks")
    await tara.send("0")
    assert "1 to 52" in tara.last_reply.text
    await tara.send("3")
    assert "Weeks saved" in tara.last_reply.text
    await tara.press("Copy")
    assert "Strength block (copy) · 3 weeks" in tara.last_reply.text
    assert "1. Lower A" in tara.last_reply.text
    await tara.press("Archive")
    await tara.press("Yes, archive")
    assert "Archived Strength block (copy)" in tara.last_reply.text
    assert tara.last_reply.flat_buttons == ["Strength block", "➕ New program"]
    programs = await _programs(session_factory)
    assert [(p.name, p.is_active) for p in programs] == [
        ("Strength block", True),
        ("Strength block (copy)", False),
    ]
    copied = await _sessions(session_factory, programs[1].id)
    assert [s[:3] for s in copied] == [(1, 1, "Lower A")]


async def test_delete_a_session(
    tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _create(tara, weeks="2")
    await tara.press("Week 2")
    await tara.press("New session")
    await tara.send("Conditioning")
    await tara.press("Done")
    await tara.press("Delete session")
    assert "Delete Conditioning" in tara.last_reply.text
    await tara.press("Yes, delete")
    assert "Deleted Conditioning" in tara.last_reply.text
    (program,) = await _programs(session_factory)
    assert await _sessions(session_factory, program.id) == []


async def test_cancel_mid_creation_and_mid_repeat(
    tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await tara.send("/programs")
    await tara.press("New program")
    await tara.send("Half made")
    await tara.send("/cancel")
    assert "Cancelled" in tara.last_reply.text
    assert await _programs(session_factory) == []

    await _create(tara, weeks="3")
    await tara.press("Week 1")
    await tara.press("New session")
    await tara.send("Day")
    await tara.press("Done")
    await tara.press("Week 1")
    await tara.press("Program")
    await tara.press("Repeat a week")
    await tara.press("Week 1", message_id=tara.last_reply.message_id)
    await tara.send("/cancel")
    assert "Cancelled" in tara.last_reply.text
    await tara.send("2-3")
    assert "not expecting a message" in tara.last_reply.text
    (program,) = await _programs(session_factory)
    assert len(await _sessions(session_factory, program.id)) == 1


async def test_forged_buttons_are_refused(
    sim: ChatSimulator, tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _create(tara, name="Secret plan", weeks="2")
    await tara.press("Week 1")
    await tara.press("New session")
    await tara.send("Day")
    (program,) = await _programs(session_factory)
    async with session_factory() as session:
        session_id = (await session.execute(select(ProgramSession.id))).scalar_one()
    await make_user(session_factory, 1003, "Otto", trainer=True)
    otto = sim.user(1003, "Otto")
    await otto.send("/programs")
    for data in (
        f"prg:open:{program.id}",
        f"prg:wk:{program.id}:1",
        f"prg:copy:{program.id}",
        f"prg:arcy:{program.id}",
        f"prg:rep:{program.id}",
        f"prg:ah:{program.id}:1",
    ):
        await otto.press_data(data)
        assert otto.last_answer == "I can't find that program among yours.", data
        assert otto.last_answer_alert
    for data in (f"prg:s:{session_id}", f"prg:dely:{session_id}", f"prg:add:{session_id}"):
        await otto.press_data(data)
        assert otto.last_answer == "I can't find that program session among yours.", data
    await otto.press_data(f"prg:rx:{program.id}:1")
    assert "expired" in (otto.last_answer or "")
    assert "Secret" not in otto.last_reply.text
    assert [(p.name, p.is_active) for p in await _programs(session_factory)] == [
        ("Secret plan", True)
    ]
    assert len(await _sessions(session_factory, program.id)) == 1


async def test_forged_creation_and_increment_buttons_are_refused(tara: SimUser) -> None:
    await tara.send("/programs")
    await tara.press("New program")
    await tara.send("Block")
    assert tara.last_reply.button_data[0] == ["prg:nv:skip"]
    await tara.press("Skip")
    assert tara.last_reply.button_data[0][0] == "prg:nv:beginner"
    await tara.press("Skip")
    assert tara.last_reply.button_data[0] == ["prg:nv:4", "prg:nv:6", "prg:nv:8", "prg:nv:12"]
    for data in ("prg:nv:skip", "prg:nv:-", "prg:nv:4:beginner"):
        await tara.press_data(data)
        assert "expired" in (tara.last_answer or ""), data
    assert "How many weeks" in tara.last_reply.text
    await tara.press("6 weeks")
    await tara.press("Skip")
    assert "Program Block created" in tara.last_reply.text


async def test_increment_buttons_carry_a_word_for_their_amount(
    tara: SimUser, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _template(tara)
    await _create(tara, weeks="2")
    await tara.press("Week 1")
    await tara.press("From a template")
    await tara.press("Lower A")
    await tara.press("Week 1")
    await tara.press("Program")
    await tara.press("Repeat a week")
    await tara.press("Week 1")
    await tara.press("Week 2")
    (program,) = await _programs(session_factory)
    assert tara.last_reply.button_data[:2] == [
        [f"prg:ri:{program.id}:small", f"prg:ri:{program.id}:big", f"prg:ri:{program.id}:percent"],
        [f"prg:ri:{program.id}:same"],
    ]
    for data in (f"prg:ri:{program.id}:heavy", f"prg:ri:{program.id}:0", f"prg:ri:{program.id}"):
        await tara.press_data(data)
        assert "expired" in (tara.last_answer or ""), data
    await tara.press("+5 kg")
    assert "Week 1 repeated into week 2, adding 5 kg each week (1 session)" in tara.last_reply.text
