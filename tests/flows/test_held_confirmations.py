"""Confirmations tell the truth about delivery: when a notice is held for the other person's
quiet hours, the one acting reads when they will see it ("Bob will see it at 07:00 their time,
after their quiet hours"), not "Bob has been told". A notice edited step by step (the client's
feedback) is held once, as its newest version, and reaches the trainer once in the morning."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.application import SpotterApplication
from bot.dispatch import dispatch_due
from coaching.clock import ManualClock
from coaching.domain.enums import ReminderStatus
from coaching.services.reminders import Notice, NoticeService
from tests.factories import (
    Factory,
    assign_bob,
    book,
    create_client,
    finished,
    make_coaching,
    make_program,
    make_public,
    make_user,
    onboard,
    records,
    register,
    trainer_and_client,
)
from tests.factories import held_messages as _held
from tests.fakes.chat import ChatSimulator

# 23:00 in New York (Bob's quiet hours run 22:00–07:00 his time, which is 12:00 UTC).
NEW_YORK_NIGHT = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
NIGHT = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
MORNING = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


async def test_a_booking_at_night_says_when_the_client_will_see_it(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    alice = await make_user(session_factory, 1001, "Alice", trainer=True, timezone="Europe/London")
    bob = await make_user(session_factory, 2002, "Bob", client=True, timezone="America/New_York")
    await make_coaching(session_factory, alice, bob)
    trainer, client = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    clock.set(NEW_YORK_NIGHT)
    await book(trainer, "Bob", "Training", "tomorrow 18:00")
    reply = trainer.last_reply.text
    assert "Booked: Training session with Bob" in reply
    assert "Bob will see it at 07:00 their time, after their quiet hours." in reply
    assert "has been told" not in reply
    assert client.replies == []

    clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))  # 10:00 in New York
    await book(trainer, "Bob", "Assessment", "tomorrow 19:00")
    assert "Bob has been told." in trainer.last_reply.text
    assert "New session with Alice: Assessment" in client.last_reply.text


async def test_pausing_at_night_says_the_client_will_see_it_in_the_morning(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    clock.set(NIGHT)
    await tom.send("/clients")
    await tom.press("Alice")
    await tom.press("Pause")
    await tom.send("holiday")
    reply = tom.last_reply.text
    assert "Coaching paused. Alice will see it at 07:00 their time, after their quiet hours." in (
        reply
    )
    assert alice.replies == []
    clock.set(MORNING)
    await dispatch_due(app.bot, app.services.ctx)
    assert "Tom paused your coaching relationship" in alice.last_reply.text


async def test_a_low_injury_at_night_tells_the_client_when_the_trainer_sees_it(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    clock.set(NIGHT)
    await alice.send("/injury")
    await alice.send("left wrist")
    await alice.press("3")
    await alice.send("Sore after push-ups")
    reply = alice.last_reply.text
    assert "Noted: Left wrist, 3/10." in reply
    assert "Tom will see it at 07:00 their time, after their quiet hours." in reply
    assert "Tom has been told" not in reply
    assert tom.replies == []

    await alice.send("/injury")
    await alice.send("lower back")
    await alice.press("9")
    await alice.send("Sharp pain lifting")
    assert "Tom has been told." in alice.last_reply.text, "an urgent report is not held"


async def test_held_feedback_reaches_the_trainer_once_as_its_newest_version(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    clock.set(NIGHT)
    _, _, alice, tom = await finished(sim, session_factory, clock)
    before = len(tom.replies)
    await alice.press("8")
    await alice.send("felt strong")
    await alice.press("4 ⭐")
    assert tom.replies[before:] == [], "nothing reaches Tom at night"
    feedback = [r for r in await _held(session_factory) if "💬" in r.payload["html"]]
    assert len(feedback) == 1, "the held copies of one notice replace each other"

    clock.set(MORNING)
    await dispatch_due(app.bot, app.services.ctx)
    morning = "\n".join(r.text for r in tom.replies[before:])
    assert morning.count("💬 Alice on Lower A: RPE 8/10 · rated 4/5 · “felt strong”") == 1
    assert "Alice rated Lower A: RPE 8/10." not in morning, "the first version is gone"
    [record] = await records(session_factory)
    data = [d for r in tom.replies[before:] for row in r.button_data for d in row]
    assert any(d.endswith(f"tf:o:{record.id}") for d in data), "the Review button comes too"
    rows = await _held(session_factory)
    assert {r.status for r in rows} == {ReminderStatus.SENT}


async def test_held_notices_replace_each_other_only_within_one_subject(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    """Replacing is per notice: another session's feedback, or a notice with no subject, is
    kept; only the older version of the same subject from the same sender goes."""
    await trainer_and_client(session_factory)
    tom = sim.user(1001, "Tom")
    clock.set(NIGHT)
    svc = NoticeService(app.services.ctx)
    for notice in (
        Notice(1001, "Lower A: RPE 6", subject="feedback:1"),
        Notice(1001, "Upper B: RPE 7", subject="feedback:2"),
        Notice(1001, "A plain notice"),
        Notice(1001, "Lower A: RPE 6 · “easy”", subject="feedback:1"),
    ):
        assert await svc.hold_if_quiet(notice, sender_telegram_id=2001) == MORNING
    assert [r.payload["html"] for r in await _held(session_factory)] == [
        "Lower A: RPE 6 · “easy”",
        "Upper B: RPE 7",
        "A plain notice",
    ]
    clock.set(MORNING)
    await dispatch_due(app.bot, app.services.ctx)
    [digest] = tom.replies
    assert "3 messages came in" in digest.text
    assert "Lower A: RPE 6 · “easy”" in digest.text
    assert "Lower A: RPE 6\n" not in digest.text


async def test_accepting_an_invite_at_night_says_when_the_trainer_will_know(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    first, second = await create_client(tom), await create_client(tom, "Cleo again")
    clock.set(NIGHT)
    cleo = await onboard(sim, 2, "Cleo", "client")
    before = len(tom.replies)
    await cleo.send(f"/start {first}")
    await cleo.press("Accept")
    reply = cleo.last_reply.text
    assert "You're now training with Tom. Tom will see it at 07:00 their time" in reply
    assert tom.replies[before:] == []

    rita = await onboard(sim, 3, "Rita", "client")
    await rita.send(f"/start {second}")
    await rita.press("Decline")
    assert "You declined the invite from Tom. Tom will see it at 07:00 their time" in (
        rita.last_reply.text
    )
    assert "Nothing was shared." in rita.last_reply.text


async def test_a_permission_change_or_an_end_at_night_says_when_the_trainer_sees_it(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    clock.set(NIGHT)
    await alice.send("/permissions")
    await alice.press("See your workout history")
    assert "Tom will see it at 07:00 their time, after their quiet hours." in (
        alice.last_reply.text
    )
    await alice.press("End coaching")
    await alice.send("moving away")
    reply = alice.last_reply.text
    assert "Your coaching with Tom has ended. Tom will see it at 07:00 their time" in reply
    assert "they have been told" not in reply
    assert tom.replies == []
    clock.set(MORNING)
    await dispatch_due(app.bot, app.services.ctx)
    assert "Alice ended your coaching relationship" in tom.last_reply.text


async def test_a_coaching_request_at_night_says_when_the_trainer_sees_it(
    sim: ChatSimulator, clock: ManualClock
) -> None:
    alice = await register(sim, 1001, "Alice", "trainer")
    await make_public(alice)
    clock.set(NIGHT)
    bob = await register(sim, 2001, "Bob", "client")
    before = len(alice.replies)
    await bob.send("/trainers")
    await bob.press("Alice")
    await bob.press("Request coaching")
    await bob.press("Online")
    reply = bob.last_reply.text
    assert "Request sent to Alice (online)." in reply
    assert "Alice will see it at 07:00 their time, after their quiet hours." in reply
    assert alice.replies[before:] == []


async def test_a_program_assigned_at_night_waits_and_the_trainer_is_told_so(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    alice = await make_user(session_factory, 1001, "Alice", trainer=True, timezone="Europe/London")
    bob = await make_user(session_factory, 2002, "Bob", client=True, timezone="America/New_York")
    await make_coaching(session_factory, alice, bob)
    await make_program(session_factory, alice)
    trainer, client = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    clock.set(NEW_YORK_NIGHT)
    await assign_bob(trainer)
    reply = trainer.last_reply.text
    assert "Strength Base is assigned to Bob" in reply
    assert "Bob will see it at 07:00 their time, after their quiet hours." in reply
    assert "They can see it with /plan." in reply
    assert client.replies == []
    clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))  # 07:00 in New York
    await dispatch_due(app.bot, app.services.ctx)
    assert "New program from Alice: Strength Base" in client.last_reply.text
