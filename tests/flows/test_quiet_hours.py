"""Quiet hours: every non-urgent message to a person goes through one path that holds it
while their quiet hours are on (22:00–07:00 by default) and delivers it when they end, in one
digest when several are waiting. Urgent alerts, replies to the person acting, and messages to
someone using the bot right now are not held; a client can let their trainer contact them
outside hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.application import SpotterApplication
from bot.dispatch import dispatch_due
from coaching.clock import ManualClock
from coaching.domain.enums import ReminderStatus
from coaching.domain.permissions import PermissionFlags
from coaching.services.reminders import Notice, NoticeService
from storage.models import PermissionSet, User
from tests.factories import Factory, rated, trainer_and_client
from tests.factories import held_messages as _held
from tests.fakes.chat import ChatSimulator, SimUser

NIGHT = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
MORNING = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


async def _pause(tom: SimUser, reason: str = "holiday") -> None:
    await tom.send("/clients")
    await tom.press("Alice")
    await tom.press("Pause")
    await tom.send(reason)
    assert "Coaching paused" in tom.last_reply.text, "the reply to Tom himself is not held"


async def test_a_notice_at_night_waits_until_the_quiet_hours_end(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    clock.set(NIGHT)
    await _pause(tom)
    assert alice.replies == [], "nothing reaches Alice at 23:00 inside 22:00–07:00"
    [row] = await _held(session_factory)
    assert (row.status, row.due_at) == (ReminderStatus.PENDING, MORNING)

    clock.set(MORNING - timedelta(minutes=1))
    await dispatch_due(app.bot, app.services.ctx)
    assert alice.replies == [], "still quiet at 06:59"

    clock.set(MORNING)
    await dispatch_due(app.bot, app.services.ctx)
    [notice] = alice.replies
    assert "Tom paused your coaching relationship" in notice.text
    assert "holiday" in notice.text
    await dispatch_due(app.bot, app.services.ctx)
    assert len(alice.replies) == 1, "sent once"


async def test_several_held_notices_arrive_as_one_digest(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    clock.set(NIGHT)
    await _pause(tom, "<b>away</b> & back soon")
    clock.advance(minutes=5)
    await tom.press("Resume")
    assert len(await _held(session_factory)) == 2
    clock.set(MORNING)
    await dispatch_due(app.bot, app.services.ctx)
    [digest] = alice.replies
    assert digest.text.startswith("🌅 While your quiet hours were on, 2 messages came in:")
    assert "1. Monday 23 Nov 23:00 · ⏸ Tom paused" in digest.text
    assert "2. Monday 23 Nov 23:05 · ▶️ Tom resumed" in digest.text
    first, second = digest.text.split("\n\n")[1:3]
    assert "Tom paused your coaching relationship" in first
    assert "<b>away</b> & back soon" in first, "the client's text is escaped, not markup"
    assert "Tom resumed" in second
    rows = await _held(session_factory)
    assert {r.status for r in rows} == {ReminderStatus.SENT}
    assert len({r.telegram_message_id for r in rows}) == 1, "one message for both"


async def test_someone_using_the_bot_gets_notices_at_once(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    clock.set(NIGHT)
    await alice.send("/help")
    clock.advance(minutes=3)
    await _pause(tom)
    assert "Tom paused your coaching relationship" in alice.last_reply.text
    assert await _held(session_factory) == []


async def test_contact_outside_hours_lets_the_trainer_through(
    app: SpotterApplication, session_factory: Factory, clock: ManualClock
) -> None:
    await trainer_and_client(session_factory, flags=PermissionFlags(contact_outside_hours=True))
    clock.set(NIGHT)
    svc = NoticeService(app.services.ctx)
    to_alice = Notice(2001, "Tom: see you at 7")
    assert await svc.hold_if_quiet(to_alice, sender_telegram_id=1001) is None
    # The permission is the client's grant to her trainer, not the other way round.
    to_tom = Notice(1001, "Alice: fine")
    assert await svc.hold_if_quiet(to_tom, sender_telegram_id=2001) == MORNING
    # Without the grant Tom's message waits too.
    async with session_factory() as session:
        await session.execute(update(PermissionSet).values(contact_outside_hours=False))
        await session.commit()
    assert await svc.hold_if_quiet(to_alice, sender_telegram_id=1001) == MORNING


async def test_hundreds_of_held_notices_fit_one_message(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await trainer_and_client(session_factory)
    alice = sim.user(2001, "Alice")
    clock.set(NIGHT)
    svc = NoticeService(app.services.ctx)
    for number in range(300):
        markup = {"inline_keyboard": [[{"text": "Open", "callback_data": f"x:{number}"}]]}
        notice = Notice(2001, f"<b>Notice {number}</b> " + "é&lt;&amp;&gt;" * 200, markup)
        assert await svc.hold_if_quiet(notice, sender_telegram_id=1001) == MORNING
        clock.advance(seconds=10)
    clock.set(MORNING)
    await dispatch_due(app.bot, app.services.ctx, batch=50)
    [digest] = alice.replies
    assert "300 messages came in" in digest.text
    assert len(digest.text) <= 4096
    assert "more, not shown here." in digest.text
    assert "1. Monday 23 Nov 23:00 · Notice 0 é<&>é<&>" in digest.text
    assert len(digest.buttons) <= 12
    assert digest.flat_buttons[0] == "1. Open"
    rows = await _held(session_factory)
    assert len(rows) == 300
    assert {r.status for r in rows} == {ReminderStatus.SENT}


async def test_low_injury_notices_wait_for_the_trainer_and_urgent_ones_do_not(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    clock.set(NIGHT)
    await alice.send("/injury")
    await alice.send("left wrist")
    await alice.press("3")
    await alice.send("Sore after push-ups")
    assert "Noted: Left wrist, 3/10" in alice.last_reply.text
    assert tom.replies == [], "a 3/10 report waits for Tom's quiet hours to end"

    await alice.send("/injury")
    await alice.send("lower back")
    await alice.press("9")
    await alice.send("Sharp pain lifting")
    assert "⚠️ Alice reported an injury: Lower back, 9/10" in tom.last_reply.text
    assert len(tom.replies) == 1

    clock.set(MORNING)
    await dispatch_due(app.bot, app.services.ctx)
    assert "Left wrist" in tom.last_reply.text
    assert "Sore after push-ups" in tom.last_reply.text


async def test_a_trainer_who_turns_quiet_hours_off_gets_notices_at_night(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await tom.send("/settings")
    assert "🌙 Quiet hours: 22:00–07:00" in tom.last_reply.text
    assert "your clients' messages and notices wait" in tom.last_reply.text
    await tom.press("🌙 Quiet hours")
    await tom.press("Off")
    async with session_factory() as session:
        found = await session.execute(select(User.quiet_start).where(User.telegram_id == 1001))
        assert found.scalar_one() is None
    clock.set(NIGHT)
    await alice.send("/injury")
    await alice.send("left wrist")
    await alice.press("3")
    await alice.send("skip")
    assert "Alice reported an injury: Left wrist, 3/10" in tom.last_reply.text


async def test_a_video_review_at_night_waits_and_arrives_as_a_video(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    alice, tom, _ = await rated(sim, session_factory, clock)
    before = len(alice.replies)
    clock.set(NIGHT)
    await tom.send("/feedback")
    await tom.press("Alice · Lower A")
    await tom.press("🎥 Add a video or photo")
    await tom.send_video("night-check")
    await tom.send("0:42 knees cave in")
    await tom.send("skip")
    assert len(alice.replies) == before, "nothing reaches Alice at 23:00"
    clock.set(MORNING)
    await dispatch_due(app.bot, app.services.ctx)
    video = alice.last_reply
    assert video.file_id == "night-check"
    assert "0:42 knees cave in" in video.text
