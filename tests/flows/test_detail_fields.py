"""The detail editors of templates, programs and program sessions (one shared editor).

Each editor: a menu of fields, a prompt per field with Clear unless the field is required, a
typed value checked by the service (bad input keeps the step), a difficulty picked by button,
and forged or stale buttons refused without changing anything.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import Difficulty
from storage.models import Program, ProgramSession, SessionTemplate
from tests.factories import make_user
from tests.fakes.chat import ChatSimulator, SimUser

Factory = async_sessionmaker[AsyncSession]


@pytest.fixture
async def otto(sim: ChatSimulator, session_factory: Factory) -> SimUser:
    await make_user(session_factory, 1003, "Otto", trainer=True)
    return sim.user(1003, "Otto")


async def _one(factory: Factory, model: Any) -> Any:
    async with factory() as session:
        return (await session.execute(select(model))).scalar_one()


async def _template(tara: SimUser, factory: Factory) -> SessionTemplate:
    await tara.send("/templates")
    await tara.press("New template")
    await tara.send("Legs")
    await tara.send("Squat 3x5 @100")
    template: SessionTemplate = await _one(factory, SessionTemplate)
    return template


async def _program(tara: SimUser, factory: Factory) -> tuple[Program, ProgramSession]:
    await tara.send("/programs")
    await tara.press("New program")
    await tara.send("Block")
    await tara.press("Skip")
    await tara.press("Skip")
    await tara.send("2")
    await tara.press("Skip")
    await tara.press("Week 1")
    await tara.press("New session")
    await tara.send("Day")
    await tara.press("Done")
    return await _one(factory, Program), await _one(factory, ProgramSession)


async def test_template_details_menu_prompts_clear_and_difficulty(
    tara: SimUser, session_factory: Factory
) -> None:
    template = await _template(tara, session_factory)
    i = template.id
    await tara.press("Edit details")
    assert tara.last_reply.text.endswith("Which detail do you want to change?")
    assert tara.last_reply.button_data == [
        [f"tpl:df:{i}:name", f"tpl:df:{i}:description", f"tpl:df:{i}:category"],
        [f"tpl:df:{i}:difficulty", f"tpl:df:{i}:duration", f"tpl:df:{i}:equipment"],
        [f"tpl:df:{i}:notes"],
        [f"tpl:open:{i}"],
    ]

    await tara.press("Name")
    assert tara.last_reply.text == "Send the new name, e.g. Lower body A."
    assert tara.last_reply.button_data == [[f"tpl:det:{i}"]]  # a name cannot be cleared
    await tara.send("x" * 300)
    assert "up to 120 characters" in tara.last_reply.text
    assert "Send the new name" in tara.last_reply.text
    await tara.send("Legs <heavy>")
    assert "✅ Name saved." in tara.last_reply.text
    assert "Legs <heavy>" in tara.last_reply.text

    await tara.press("Edit details")
    await tara.press("Notes")
    assert tara.last_reply.button_data == [[f"tpl:dc:{i}:notes"], [f"tpl:det:{i}"]]
    await tara.send("Go slow")
    assert "Notes: Go slow" in tara.last_reply.text
    await tara.press("Edit details")
    await tara.press("Notes")
    await tara.press("Clear")
    assert "✅ Notes saved." in tara.last_reply.text
    assert "Notes:" not in tara.last_reply.text

    await tara.press("Edit details")
    await tara.press("Difficulty")
    assert tara.last_reply.text == "How hard is Legs <heavy>?"
    assert tara.last_reply.buttons == [
        ["Beginner", "Intermediate", "Advanced"],
        ["Clear", "⬅️ Back"],
    ]
    await tara.press("Intermediate")
    assert "✅ Difficulty saved." in tara.last_reply.text
    stored: SessionTemplate = await _one(session_factory, SessionTemplate)
    assert (stored.name, stored.notes, stored.difficulty) == (
        "Legs <heavy>",
        None,
        Difficulty.INTERMEDIATE,
    )
    await tara.press("Edit details")
    await tara.press("Difficulty")
    await tara.press("Clear")
    stored = await _one(session_factory, SessionTemplate)
    assert stored.difficulty is None


async def test_cancel_while_a_detail_is_asked_stores_nothing(
    tara: SimUser, session_factory: Factory
) -> None:
    await _template(tara, session_factory)
    await tara.press("Edit details")
    await tara.press("Description")
    await tara.send("/cancel")
    assert "Cancelled" in tara.last_reply.text
    await tara.send("Heavy day")
    assert "not expecting a message" in tara.last_reply.text
    stored: SessionTemplate = await _one(session_factory, SessionTemplate)
    assert stored.description is None


async def test_program_required_fields_have_no_clear_and_goals_clear(
    tara: SimUser, session_factory: Factory
) -> None:
    program, _ = await _program(tara, session_factory)
    i = program.id
    await tara.press("Week 1")
    await tara.press("Program")
    await tara.press("Edit details")
    for field in ("Name", "Weeks"):
        await tara.press(field)
        assert tara.last_reply.button_data == [[f"prg:det:{i}"]], field
        await tara.press("Back")
    await tara.press("Weeks")
    await tara.send("99")
    assert "1 to 52" in tara.last_reply.text
    assert "How many weeks (1 to 52)?" in tara.last_reply.text
    await tara.send("3")
    assert "✅ Weeks saved." in tara.last_reply.text

    await tara.press("Edit details")
    await tara.press("Goals")
    assert tara.last_reply.button_data == [[f"prg:dc:{i}:goals"], [f"prg:det:{i}"]]
    await tara.send("squat 140, bench 100")
    assert "Goals: squat 140, bench 100" in tara.last_reply.text
    await tara.press("Edit details")
    await tara.press("Difficulty")
    await tara.press("Advanced")
    assert "Advanced" in tara.last_reply.text
    stored: Program = await _one(session_factory, Program)
    assert (stored.duration_weeks, stored.goals, stored.difficulty) == (
        3,
        ["squat 140", "bench 100"],
        Difficulty.ADVANCED,
    )
    await tara.press("Edit details")
    await tara.press("Goals")
    await tara.press("Clear")
    assert "✅ Goals saved." in tara.last_reply.text
    stored = await _one(session_factory, Program)
    assert stored.goals == []


async def test_session_details_set_and_clear(tara: SimUser, session_factory: Factory) -> None:
    _, program_session = await _program(tara, session_factory)
    i = program_session.id
    await tara.press("Session details")
    assert tara.last_reply.text.endswith("Which detail do you want to change?")
    assert tara.last_reply.button_data[-1] == [f"prg:s:{i}"]
    await tara.press("Name")
    assert tara.last_reply.button_data == [[f"prg:sd:{i}"]]
    await tara.press("Back")
    await tara.press("Focus area")
    assert tara.last_reply.button_data == [[f"prg:sc:{i}:focus"], [f"prg:sd:{i}"]]
    await tara.send("Squat pattern")
    assert "✅ Focus area saved." in tara.last_reply.text
    assert "Focus: Squat pattern" in tara.last_reply.text
    await tara.press("Session details")
    await tara.press("Focus area")
    await tara.press("Clear")
    assert "Focus:" not in tara.last_reply.text
    stored: ProgramSession = await _one(session_factory, ProgramSession)
    assert stored.focus_area is None


async def test_forged_and_stale_detail_buttons_are_refused(
    tara: SimUser, otto: SimUser, session_factory: Factory
) -> None:
    template = await _template(tara, session_factory)
    program, program_session = await _program(tara, session_factory)
    t, p, s = template.id, program.id, program_session.id

    # A required field cannot be cleared, and a bad value or field is a stale button.
    for data, command in (
        (f"tpl:dc:{t}:name", "/templates"),
        (f"tpl:dv:{t}:bogus", "/templates"),
        (f"tpl:df:{t}:bogus", "/templates"),
        (f"prg:dc:{p}:name", "/programs"),
        (f"prg:dc:{p}:weeks", "/programs"),
        (f"prg:dv:{p}:bogus", "/programs"),
        (f"prg:sc:{s}:name", "/programs"),
        (f"prg:sf:{s}:bogus", "/programs"),
        ("prg:det:x", "/programs"),
        ("prg:sd:x", "/programs"),
        ("tpl:det:x", "/templates"),
        # a program session's exercise buttons point back to /programs, not /templates
        ("prg:add:x", "/programs"),
        ("prg:step:x", "/programs"),
        ("prg:rm:x", "/programs"),
        ("tpl:add:x", "/templates"),
    ):
        await tara.press_data(data)
        assert tara.last_answer == f"This button has expired. Send {command} to start again.", data
        assert tara.last_answer_alert

    # Another trainer's ids are not found, whichever editor button carries them.
    await otto.send("/programs")
    for data, kind in (
        (f"tpl:det:{t}", "template"),
        (f"tpl:df:{t}:name", "template"),
        (f"tpl:dc:{t}:notes", "template"),
        (f"tpl:dv:{t}:advanced", "template"),
        (f"prg:det:{p}", "program"),
        (f"prg:df:{p}:name", "program"),
        (f"prg:dc:{p}:description", "program"),
        (f"prg:dv:{p}:advanced", "program"),
        (f"prg:sd:{s}", "program session"),
        (f"prg:sf:{s}:focus", "program session"),
        (f"prg:sc:{s}:focus", "program session"),
    ):
        await otto.press_data(data)
        assert otto.last_answer == f"I can't find that {kind} among yours.", data
        assert "Legs" not in otto.last_reply.text
        assert "Block" not in otto.last_reply.text
    await otto.send("Renamed")  # no value was asked for: still on the program list
    assert otto.last_reply.text.startswith("Tap one of the buttons above")

    stored_template: SessionTemplate = await _one(session_factory, SessionTemplate)
    stored_program: Program = await _one(session_factory, Program)
    assert (stored_template.name, stored_template.difficulty) == ("Legs", None)
    assert (stored_program.name, stored_program.difficulty) == ("Block", None)
