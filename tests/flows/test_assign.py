"""/assign: assigning a program and managing it, through the chat simulator."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import AssignmentStatus, SessionStatus
from coaching.domain.permissions import PermissionFlags
from storage.models import ProgramModification
from tests.factories import (
    assign_bob,
    assign_setup,
    assignments,
    make_coaching,
    make_program,
    make_user,
    sessions,
)
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]


async def test_assigning_a_program_step_by_step(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await assign_setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await alice.send("/assign")
    assert "Who is it for? (1 active client)" in alice.last_reply.text
    assert alice.last_reply.flat_buttons == ["Bob", "📂 Current assignments"]
    await alice.press("Bob")
    assert "Which program for Bob?" in alice.last_reply.text
    await alice.press("Strength Base")
    assert "When does Bob start Strength Base?" in alice.last_reply.text
    assert "America/New_York" in alice.last_reply.text

    await alice.send("01/02")
    assert "01/02" in alice.last_reply.text
    await alice.send("2026-11-01")
    assert "has already passed" in alice.last_reply.text
    await alice.send("2026-11-30")
    assert "pick 3 days" in alice.last_reply.text
    message = alice.last_reply.message_id
    await alice.press("Mon")
    await alice.press("Wed")
    assert alice.last_reply.message_id == message, "toggling edits the same message"
    assert "✅ Mon" in alice.last_reply.flat_buttons
    await alice.press("Done")
    assert alice.last_answer is not None
    assert "pick 3 training days (you picked 2)" in alice.last_answer
    await alice.press("Fri")
    await alice.press("Done (3/3)")
    assert "At what time" in alice.last_reply.text

    await alice.send("7")
    assert "morning or evening" in alice.last_reply.text
    await alice.send("07:00")
    text = alice.last_reply.text
    assert "Assign Strength Base to Bob?" in text
    assert "Starts Mon 30 Nov · Mon, Wed, Fri at 07:00" in text
    assert "6 sessions, last one Fri 11 Dec" in text
    assert "W1 S1 Lower A — Mon 30 Nov 07:00 (yours: Mon 30 Nov 12:00)" in text
    assert await assignments(session_factory) == []

    await alice.press("✅ Assign")
    assert "Strength Base is assigned to Bob: 6 sessions from Mon 30 Nov" in alice.last_reply.text
    assert "Bob has been told" in alice.last_reply.text
    notice = bob.last_reply
    assert "New program from Alice: Strength Base" in notice.text
    assert "Mon, Wed, Fri at 07:00, from Mon 30 Nov to Fri 11 Dec" in notice.text
    assert "yours" not in notice.text
    assert "• W1 S1 Lower A — Mon 30 Nov 07:00" in notice.text
    assert notice.flat_buttons == ["🗓 See plan"]
    (stored,) = await assignments(session_factory)
    assert stored.status is AssignmentStatus.ASSIGNED
    assert len(await sessions(session_factory)) == 6

    await bob.press("See plan")
    assert "Mon 30 Nov" in bob.last_reply.text


async def test_cancel_and_forged_buttons_store_nothing(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await assign_setup(session_factory)
    dave = await make_user(session_factory, 4004, "Dave", trainer=True)
    carol = await make_user(session_factory, 3003, "Carol", client=True)
    foreign = await make_coaching(session_factory, dave, carol)
    foreign_program = await make_program(session_factory, dave, name="Dave's plan")
    alice = sim.user(1001, "Alice")
    await alice.send("/assign")
    await alice.press_data(f"asg:c:{foreign.profile.id}")
    assert alice.last_answer == "I can't find that client among yours."
    assert alice.last_answer_alert
    await alice.press_data("asg:c:99999")
    assert alice.last_answer == "I can't find that client among yours."
    await alice.press("Bob")
    await alice.press_data(f"asg:p:{foreign_program.id}")
    assert alice.last_answer == "I can't find that program among yours."
    await alice.press("Strength Base")
    await alice.press_data("asg:sd:yesterday")
    assert alice.last_answer is not None
    assert "Tomorrow or Next Monday" in alice.last_answer
    await alice.send("/cancel")
    assert "Cancelled" in alice.last_reply.text
    await alice.press_data("asg:sd:monday")
    assert alice.last_answer is not None
    assert "expired" in alice.last_answer
    assert await assignments(session_factory) == []

    bob = sim.user(2002, "Bob")
    await bob.send("/assign")
    assert "/assign is for trainers" in bob.last_reply.text


async def test_a_client_who_withheld_permission_is_refused(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    coaching = await assign_setup(session_factory)
    carol = await make_user(session_factory, 3003, "Carol", client=True)
    await make_coaching(
        session_factory, coaching.trainer, carol, flags=PermissionFlags(assign_programs=False)
    )
    alice = sim.user(1001, "Alice")
    await alice.send("/assign")
    assert "(2 active clients)" in alice.last_reply.text
    await alice.press("Carol")
    assert alice.last_answer == "The client has not allowed you to assign them programs."
    assert "Who is it for?" in alice.last_reply.text


async def test_swap_shift_and_cancel_an_assignment(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await assign_setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await assign_bob(alice)
    await alice.send("/assign")
    await alice.press("Current assignments")
    await alice.press("Bob · Strength Base (assigned)")
    text = alice.last_reply.text
    assert "Strength Base for Bob" in text
    assert "Status: assigned" in text
    assert "0 of 6 sessions done" in text

    await alice.press("Swap an exercise")
    assert "In which session?" in alice.last_reply.text
    await alice.press("All sessions")
    await alice.press("Barbell Back Squat")
    assert "Replace Barbell Back Squat with what?" in alice.last_reply.text
    await alice.send("x")
    assert "at least two letters" in alice.last_reply.text
    await alice.send("leg pres")
    await alice.press_data("asg:sr:99999")
    assert alice.last_answer is not None
    assert "isn't one I offered" in alice.last_answer
    await alice.press("Leg Press")
    assert "Why swap Barbell Back Squat for Leg Press?" in alice.last_reply.text
    await alice.send("   ")
    assert "reason" in alice.last_reply.text
    async with session_factory() as session:
        assert list((await session.execute(select(ProgramModification))).scalars()) == []
    await alice.send("knee pain")
    assert "Swapped for Bob: Barbell Back Squat → Leg Press in every session" in (
        alice.last_reply.text
    )
    assert "Status: modified" in alice.last_reply.text
    assert "Alice changed your program Strength Base" in bob.last_reply.text
    assert "Reason: knee pain" in bob.last_reply.text

    await alice.press("Shift schedule")
    await alice.send("soon")
    assert "whole number of days" in alice.last_reply.text
    await alice.press("+1")
    assert "6 upcoming sessions moved 1 day later for Bob" in alice.last_reply.text
    assert "Alice moved your program Strength Base" in bob.last_reply.text
    assert "Tue 1 Dec 07:00" in bob.last_reply.text, "shown in Bob's own time"

    await alice.press("Cancel program")
    assert "Their upcoming sessions are cancelled too" in alice.last_reply.text
    await alice.press("Yes, cancel it")
    assert "is cancelled for Bob; 6 upcoming sessions cancelled" in alice.last_reply.text
    assert "Alice cancelled your program Strength Base" in bob.last_reply.text
    (stored,) = await assignments(session_factory)
    assert stored.status is AssignmentStatus.CANCELLED
    assert {s.status for s in await sessions(session_factory)} == {SessionStatus.CANCELLED}

    # A stale "Swap" button on a cancelled assignment is refused with the transition's words.
    await alice.press_data(f"asg:v:{stored.id}")
    assert "Status: cancelled" in alice.last_reply.text
    assert alice.last_reply.flat_buttons == ["⬅️ Back"]
    await alice.press_data(f"asg:sw:{stored.id}")
    assert alice.last_answer == "This program is already cancelled, so it can't be modified."


async def test_another_trainer_cannot_open_an_assignment(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await assign_setup(session_factory)
    alice = sim.user(1001, "Alice")
    await assign_bob(alice)
    (stored,) = await assignments(session_factory)
    await make_user(session_factory, 4004, "Dave", trainer=True)
    dave = sim.user(4004, "Dave")
    await dave.send("/assign")
    for data in (f"asg:v:{stored.id}", "asg:v:99999"):
        await dave.press_data(data)
        assert dave.last_answer == "I can't find that program assignment among yours."
    assert "no active clients" in dave.last_reply.text


async def test_the_client_card_opens_this_clients_programs(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    coaching = await assign_setup(session_factory)
    alice = sim.user(1001, "Alice")
    await alice.send("/clients")
    await alice.press("Bob")
    assert "📋 Programs" in alice.last_reply.flat_buttons
    await alice.press("📋 Programs")
    assert "No running program for this client yet" in alice.last_reply.text
    await alice.press("Assign a program")
    assert "Which program for Bob?" in alice.last_reply.text
    await alice.press("Strength Base")
    await alice.press("Next Monday")
    for day in ("Mon", "Wed", "Fri"):
        await alice.press(day)
    await alice.press("Done")
    await alice.send("6pm")
    await alice.press("✅ Assign")
    await alice.send("/clients")
    await alice.press("Bob")
    await alice.press("📋 Programs")
    assert alice.last_reply.flat_buttons[0] == "Strength Base (assigned)"

    await make_user(session_factory, 4004, "Dave", trainer=True)
    dave = sim.user(4004, "Dave")
    await dave.send("/assign")
    await dave.press_data(f"asg:card:{coaching.profile.id}")
    assert dave.last_answer == "I can't find that client among yours."


async def test_shift_buttons_and_forged_shapes(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await assign_setup(session_factory)
    alice = sim.user(1001, "Alice")
    await assign_bob(alice)
    (stored,) = await assignments(session_factory)
    await alice.send("/assign")
    await alice.press("Current assignments")
    await alice.press("Bob · Strength Base (assigned)")
    await alice.press("Shift schedule")
    assert alice.last_reply.flat_buttons[:4] == ["-7", "-1", "+1", "+7"]
    # A press with an id too many, or the old data of an "earlier" button, is out of date.
    for forged in (f"asg:sh:{stored.id}:1", "asg:shd:-1", "asg:shd:1:2", "asg:she"):
        await alice.press_data(forged)
        assert alice.last_answer is not None
        assert "expired" in alice.last_answer
    await alice.press("+7")
    assert "6 upcoming sessions moved 7 days later for Bob" in alice.last_reply.text
    await alice.press("Shift schedule")
    await alice.press("-1")
    assert "6 upcoming sessions moved 1 day earlier for Bob" in alice.last_reply.text
