"""/today, /plan and the .ics download, through the chat simulator."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.services.base import ServiceContext
from tests.factories import assign_from_today, coached, log_sets, make_user
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]


async def test_today_plan_and_calendar_file(
    sim: ChatSimulator, ctx: ServiceContext, session_factory: Factory
) -> None:
    coaching = await coached(session_factory)
    await assign_from_today(ctx, session_factory, coaching)
    await log_sets(
        session_factory,
        coaching.profile.id,
        "barbell-back-squat",
        datetime(2026, 11, 12, 23, 0, tzinfo=UTC),
        [("100", 5), ("100", 5), ("100", 4)],
    )
    bob = sim.user(2002, "Bob")
    await bob.send("/today")
    text = bob.last_reply.text
    assert "Today, Mon 23 Nov" in text
    assert "Strength Base · W1 S1 · Lower A" in text
    assert "18:00 · 75 min · with Alice" in text
    assert "Barbell Back Squat — 3×5 @ 100 kg, rest 3:00" in text
    assert "Brace before each rep" in text
    assert "Last time: 100 kg × 5, 5, 4 (Thu 12 Nov)" in text
    assert "First time" in text, "the RDL has never been done"
    assert bob.last_reply.flat_buttons == [
        "▶️ Start Strength Base · W1 S1 · Lower A",
        "💬 Ask my trainer",
        "ℹ️ Barbell Back Squat",
        "ℹ️ Romanian Deadlift",
        "🗓 Next 14 days",
        "📅 Add to calendar (.ics)",
    ]

    await bob.press("Next 14 days")
    text = bob.last_reply.text
    assert "Your next 14 days (Mon 23 Nov – Sun 6 Dec)" in text
    assert "Wed 25 Nov" in text
    assert "18:00 🏋️ Strength Base · W2 S3 · Lower B" in text

    await bob.press("Add to calendar")
    document = bob.last_reply
    assert document.document is not None
    assert document.document["file_name"] == "plan.ics"
    assert "upcoming sessions (6)" in document.text
    assert document.file_bytes is not None
    events = list(Calendar.from_ical(document.file_bytes).walk("VEVENT"))
    assert len(events) == 6
    assert {str(e["STATUS"]) for e in events} == {"CONFIRMED"}


async def test_no_session_today_and_nothing_planned(
    sim: ChatSimulator, ctx: ServiceContext, clock: ManualClock, session_factory: Factory
) -> None:
    coaching = await coached(session_factory)
    bob = sim.user(2002, "Bob")
    await bob.send("/today")
    assert "No session today" in bob.last_reply.text
    assert "Nothing is planned yet" in bob.last_reply.text
    await bob.press("Add to calendar")
    assert bob.last_answer is not None
    assert "no upcoming sessions" in bob.last_answer
    await bob.send("/plan")
    assert "Nothing is scheduled in the next 14 days" in bob.last_reply.text

    await assign_from_today(ctx, session_factory, coaching)
    clock.set(datetime(2026, 11, 24, 14, 0, tzinfo=UTC))
    await bob.send("/today")
    assert "No session today" in bob.last_reply.text
    assert "Next: <b>" not in bob.last_reply.text, "HTML is rendered, not shown"
    assert "Next: Strength Base · W1 S2 · Upper A, Wed 25 Nov 18:00 with Alice" in (
        bob.last_reply.text
    )


async def test_a_trainer_is_told_how_to_become_a_client(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 1001, "Alice", trainer=True)
    alice = sim.user(1001, "Alice")
    for command in ("/today", "/plan"):
        await alice.send(command)
        assert "invite link" in alice.last_reply.text
        assert "/trainers" in alice.last_reply.text
    stranger = sim.user(5005, "Eve")
    await stranger.send("/today")
    assert "invite link" in stranger.last_reply.text
    await stranger.press_data("plan:ics")
    assert "/plan is for clients" in stranger.last_reply.text
    assert "invite link" in stranger.last_reply.text
    assert stranger.last_reply.flat_buttons == ["🙋 Start as a client"]
