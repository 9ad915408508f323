"""The trainer's /feedback: review client feedback, write training feedback, media notes."""

from __future__ import annotations

from sqlalchemy import select

from coaching.clock import ManualClock
from coaching.domain.enums import MediaKind
from coaching.domain.permissions import PermissionFlags
from storage.models import MediaNote, TrainingFeedback
from tests.factories import Factory, plan_session, rated, records, trainer_and_client
from tests.fakes.chat import ChatSimulator


async def test_trainer_reviews_with_written_feedback_and_the_client_receives_it(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    alice, tom, rid = await rated(sim, session_factory, clock)
    await tom.send("/feedback")
    assert "Client feedback to review" in tom.last_reply.text
    assert tom.last_reply.flat_buttons == ["Alice · Lower A · Mon 23 Nov · RPE 8"]
    await tom.press("Alice · Lower A")
    screen = tom.last_reply.text
    assert "RPE 8/10 · rated 4/5" in screen
    assert "“felt strong”" in screen
    assert "Barbell Back Squat: 100 kg × 5" in screen
    await tom.press("✍️ Write feedback")
    assert "Type your overall feedback" in tom.last_reply.text
    await tom.send("Great session, depth was solid")
    await tom.send(" ")
    assert "⚠️" in tom.last_reply.text, "empty text: same step"
    await tom.press("Skip ›")
    await tom.send("knees track well, keep chest up")
    assert "Performance rating" in tom.last_reply.text
    await tom.send("great")
    assert "tap a number from 1 to 5" in tom.last_reply.text
    await tom.press("5 ⭐")
    await tom.send("+2.5 kg on squats next week")
    assert "Send this to Alice" in tom.last_reply.text
    assert "Performance: 5/5" in tom.last_reply.text
    await tom.press("📤 Send")
    assert "Sent to Alice; Lower A is marked reviewed." in tom.last_reply.text

    got = alice.last_reply.text
    assert "Tom reviewed your session Lower A (Mon 23 Nov)" in got
    assert "Great session, depth was solid" in got
    assert "Form: knees track well, keep chest up" in got
    assert "Next steps: +2.5 kg on squats next week" in got
    assert "Corrections" not in got
    async with session_factory() as session:
        row = (await session.execute(select(TrainingFeedback))).scalar_one()
    assert row.session_record_id == rid
    assert (row.was_reviewed, row.review_date) == (True, clock.now())
    assert (row.feedback_text, row.correction_notes, row.performance_rating) == (
        "Great session, depth was solid",
        None,
        5,
    )
    await tom.send("/feedback")
    assert "All caught up" in tom.last_reply.text
    await tom.press_data(f"tf:rv:{rid}")
    assert tom.last_answer == "You have already reviewed this session."


async def test_trainer_sends_a_video_with_timestamped_comments(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    alice, tom, rid = await rated(sim, session_factory, clock)
    await tom.send("/feedback")
    await tom.press("Alice · Lower A")
    await tom.press("🎥 Add a video or photo")
    await tom.send("hello")
    assert tom.last_reply.text == "Please send a photo or a video, or /cancel."
    await tom.send_video("form-check")
    assert "0:42 knees cave in" in tom.last_reply.text
    await tom.send("knees cave in")
    assert "has no time at the start" in tom.last_reply.text
    await tom.send("0:42 knees cave in\n1:05 good depth")
    assert "describe a drawing" in tom.last_reply.text
    await tom.send("line from hip to knee: keep it vertical")
    assert tom.last_reply.text == "✅ Sent the video with your comments to Alice."

    media = alice.last_reply
    assert media.file_id == "form-check"
    assert "Tom on Lower A:" in media.text
    assert "0:42 knees cave in" in media.text
    assert "1:05 good depth" in media.text
    assert "✏️ line from hip to knee" in media.text
    async with session_factory() as session:
        notes = (await session.execute(select(MediaNote).order_by(MediaNote.id))).scalars().all()
    assert [(n.file_id, n.timestamp_s, n.comment) for n in notes] == [
        ("form-check", 42, "knees cave in"),
        ("form-check", 65, "good depth"),
    ]
    assert notes[0].media_kind is MediaKind.VIDEO
    assert notes[0].drawing_data == "line from hip to knee: keep it vertical"
    assert all(n.session_record_id == rid for n in notes)


async def test_trainer_comments_on_the_clients_photo(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    alice, tom, _ = await rated(sim, session_factory, clock)
    await alice.send("/feedback")
    await alice.press("Lower A")
    await alice.press("🎥 Send a video or photo")
    await alice.send_photo("bar-path")
    await tom.press("💬 Comment")
    await tom.send("bar drifts forward at the bottom")
    await tom.press("Skip ›")
    assert tom.last_reply.text == "✅ Sent the photo with your comments to Alice."
    assert alice.last_reply.file_id == "bar-path"
    assert "bar drifts forward at the bottom" in alice.last_reply.text
    async with session_factory() as session:
        note = (await session.execute(select(MediaNote))).scalar_one()
    assert (note.comment, note.timestamp_s, note.drawing_data) == (
        "bar drifts forward at the bottom",
        None,
        None,
    )


async def test_history_not_shared_hides_the_sets_and_others_are_refused(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(
        session_factory, flags=PermissionFlags(view_workout_history=False)
    )
    await plan_session(session_factory, coaching, at=clock.now())
    alice, tom = sim.user(2001, "Alice"), sim.user(1001, "Tom")
    await alice.send("/log")
    await alice.press("Lower A")
    await alice.press("✓ As planned")
    await alice.press("🏁 Finish")
    await alice.press("Yes, finish")
    await alice.press("6")
    [record] = await records(session_factory)
    await tom.send("/feedback")
    await tom.press("Alice · Lower A")
    assert "does not share their workout history" in tom.last_reply.text
    assert "Barbell Back Squat" not in tom.last_reply.text

    from tests.factories import make_user

    await make_user(session_factory, 1009, "Zed", trainer=True)
    zed = sim.user(1009, "Zed")
    await zed.send("/feedback")
    assert "All caught up" in zed.last_reply.text
    for data in (
        f"tf:o:{record.id}",
        f"tf:w:{record.id}",
        f"tf:rv:{record.id}",
        f"tf:m:{record.id}",
    ):
        await zed.press_data(data)
        assert zed.last_answer == "I can't find that session among yours.", data
    for data in ("tf:o:x", "tf:zz", f"tf:send:{record.id}", "tf:pr:3"):
        await tom.press_data(data)
        assert tom.last_answer_alert, data
    await alice.press_data(f"tf:o:{record.id}")
    assert alice.last_answer_alert
    async with session_factory() as session:
        assert (await session.execute(select(TrainingFeedback))).first() is None
