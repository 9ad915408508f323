"""The client's side of the feedback loop: RPE, free text, a rating; /feedback later; media."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from coaching.clock import ManualClock
from coaching.domain.enums import AlertSeverity, AlertType, MediaKind
from storage.models import ClientAlert, MediaNote, TrainerProfile
from tests.factories import (
    Factory,
    appointment,
    finished,
    make_user,
    records,
)
from tests.fakes.chat import ChatSimulator


async def test_rpe_then_text_then_rating_reach_the_record_session_and_trainer(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching, planned, alice, tom = await finished(sim, session_factory, clock)
    await alice.press("8")
    assert "RPE 8 saved for Lower A" in alice.last_reply.text
    assert "Anything to tell Tom about it?" in alice.last_reply.text
    assert "Alice rated Lower A: RPE 8/10." in tom.last_reply.text

    await alice.send("   ")
    assert "That message is empty" in alice.last_reply.text, "bad input: same step"
    await alice.send("Squats felt heavy, bench was easy")
    assert "How was Lower A overall?" in alice.last_reply.text
    await alice.send("five")
    assert alice.last_reply.text == "Please tap a number from 1 to 5, or Skip."
    asked = alice.replies[-2]
    assert "Tom sees your rating" in asked.text
    assert "public rating in the trainer directory only if you tick the box" in asked.text
    await alice.press("☐ Count it in Tom's public rating")
    assert "☑ Counts in Tom's public rating" in alice.replies[-2].flat_buttons
    done = await alice.press("4 ⭐")
    assert done[-1].text == (
        "✅ Feedback saved for Lower A: RPE 8/10 · rated 4/5 · "
        "“Squats felt heavy, bench was easy”. Tom has it.\n"
        "Your rating counts towards Tom's public rating in the directory."
    )
    assert "Alice on Lower A: RPE 8/10 · rated 4/5" in tom.last_reply.text
    assert tom.last_reply.button_data == [[f"tf:o:{(await records(session_factory))[0].id}"]]

    [record] = await records(session_factory, coaching.profile.id)
    assert record.trainee_feedback["rpe"] == 8
    assert record.trainee_feedback["rating"] == 4
    assert record.trainee_feedback["text"] == "Squats felt heavy, bench was easy"
    assert "at" in record.trainee_feedback
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert (booked.client_feedback, booked.rating) == ("Squats felt heavy, bench was easy", 4)
    async with session_factory() as session:
        profile = (await session.execute(select(TrainerProfile))).scalar_one()
    assert (profile.rating, profile.rating_count) == (Decimal(4), 1), (
        "the rating feeds the trainer's"
    )
    async with session_factory() as session:
        injury = select(ClientAlert).where(ClientAlert.alert_type == AlertType.INJURY_REPORTED)
        assert (await session.execute(injury)).first() is None


async def test_skips_keep_only_the_rpe(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _coaching, planned, alice, tom = await finished(sim, session_factory, clock)
    await alice.press("6")
    await alice.press("Skip ›")
    await alice.press("Skip ›")
    assert alice.last_reply.text == "✅ Feedback saved for Lower A: RPE 6/10. Tom has it."
    assert "rated Lower A: RPE 6/10" in tom.last_reply.text, "no second notice with nothing new"
    [record] = await records(session_factory)
    assert set(record.trainee_feedback) == {"rpe", "at"}
    assert (await appointment(session_factory, planned.coaching_session_id)).rating is None


async def test_pain_in_feedback_raises_a_suggested_alert_the_trainer_can_dismiss(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching, _, alice, tom = await finished(sim, session_factory, clock)
    await alice.press("9")
    await alice.send("my left knee hurts on deep squats")
    warning = next(r for r in tom.replies if "Possible injury" in r.text)
    assert "mentions pain" in warning.text
    async with session_factory() as session:
        alert = (
            await session.execute(
                select(ClientAlert).where(ClientAlert.alert_type == AlertType.INJURY_REPORTED)
            )
        ).scalar_one()
    assert (alert.alert_type, alert.severity) == (AlertType.INJURY_REPORTED, AlertSeverity.MEDIUM)
    assert alert.details["suggested"] is True
    assert alert.client_profile_id == coaching.profile.id

    await alice.press_data(warning.button_data[0][0], message_id=warning.message_id)
    assert alice.last_answer_alert, "only the trainer may dismiss it"
    await tom.press("✖ Dismiss")
    assert "Alert about Alice dismissed" in tom.last_reply.text
    async with session_factory() as session:
        alert = (
            await session.execute(select(ClientAlert).where(ClientAlert.id == alert.id))
        ).scalar_one()
    assert (alert.is_resolved, alert.resolution_notes) == (True, "dismissed")
    await tom.press_data(f"inj:x:{alert.id}")
    assert tom.last_answer == "This alert is already resolved."


async def test_cancel_mid_feedback_keeps_what_was_given(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, _, alice, _ = await finished(sim, session_factory, clock)
    await alice.press("7")
    await alice.send("/cancel")
    assert "Cancelled" in alice.last_reply.text
    await alice.send("this is not feedback any more")
    [record] = await records(session_factory)
    assert record.trainee_feedback.get("text") is None
    assert record.trainee_feedback["rpe"] == 7


async def test_feedback_command_lists_recent_sessions_and_gives_feedback_later(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, _, alice, _tom = await finished(sim, session_factory, clock)
    clock.advance(days=2)
    await alice.send("/feedback")
    assert "Your recent sessions" in alice.last_reply.text
    assert alice.last_reply.flat_buttons == ["✍️ Lower A · Mon 23 Nov"]
    await alice.press("Lower A")
    assert "No feedback yet." in alice.last_reply.text
    await alice.press("5")
    assert "RPE 5 saved" in alice.last_reply.text
    await alice.press("Skip ›")
    await alice.press("3 ⭐")
    await alice.send("/feedback")
    assert alice.last_reply.flat_buttons == ["Lower A · Mon 23 Nov"]
    await alice.press("Lower A")
    assert "RPE 5/10 · rated 3/5" in alice.last_reply.text

    clock.advance(days=20)
    await alice.send("/feedback")
    assert "no finished sessions from the last 14 days" in alice.last_reply.text


async def test_client_sends_a_video_the_trainer_gets_it_with_a_comment_button(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, _, alice, tom = await finished(sim, session_factory, clock)
    await alice.send("/feedback")
    await alice.press("Lower A")
    await alice.press("🎥 Send a video or photo")
    assert "Send a video or a photo" in alice.last_reply.text
    await alice.send("here it is")
    assert alice.last_reply.text == "Please send a photo or a video, or /cancel."
    await alice.send_video("squat-video")
    assert alice.last_reply.text == "✅ Sent to Tom: they can comment on it."
    got = tom.last_reply
    assert got.file_id == "squat-video"
    assert "Alice sent a video on Lower A" in got.text
    async with session_factory() as session:
        note = (await session.execute(select(MediaNote))).scalar_one()
    assert (note.media_kind, note.file_id, note.comment) == (MediaKind.VIDEO, "squat-video", None)
    assert got.button_data == [[f"tf:c:{note.id}"]]


async def test_forged_and_stale_feedback_buttons_are_refused(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, _, alice, _ = await finished(sim, session_factory, clock)
    [record] = await records(session_factory)
    await make_user(session_factory, 3002, "Finn", client=True)
    finn = sim.user(3002, "Finn")
    await finn.send("/help")
    for data in (
        f"fb:rpe:{record.id}:3",
        f"fb:tx:{record.id}",
        f"fb:rt:{record.id}:5",
        f"fb:s:{record.id}",
        f"fb:m:{record.id}",
        f"fb:rpe:{record.id + 50}:3",
    ):
        await finn.press_data(data)
        assert finn.last_answer == "I can't find that session among yours.", data
    for data in ("fb:rpe:x:1", "fb:zz", f"fb:rt:{record.id}:9", f"fb:rpe:{record.id}:0"):
        await alice.press_data(data)
        assert alice.last_answer_alert, data
    [record] = await records(session_factory)
    assert record.trainee_feedback == {}
    clock.advance(timedelta(minutes=1))


async def test_a_rating_without_consent_stays_private(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _coaching, planned, alice, tom = await finished(sim, session_factory, clock)
    record_id = (await records(session_factory))[0].id
    await alice.press("7")
    await alice.press("Skip ›")
    assert "Tom sees your rating" in alice.last_reply.text
    # Forged or malformed buttons: refused, nothing stored.
    for data in (
        f"fbr:s:{record_id}:5:2",
        f"fbr:s:{record_id}:5",
        f"fbr:c:{record_id}:7",
        f"fbr:s:{record_id + 99}:5:1",
        f"fbr:s:{record_id}:9:1",
    ):
        await alice.press_data(data)
        assert alice.last_answer_alert, data
    assert (await appointment(session_factory, planned.coaching_session_id)).rating is None
    await tom.send("/help")
    await tom.press_data(f"fbr:s:{record_id}:1:1")
    assert tom.last_answer_alert, "not Tom's session to rate"

    done = await alice.press("2 ⭐")
    assert "Your rating stays between you and Tom: it isn't public." in done[-1].text
    assert any("Alice on Lower A: RPE 7/10 · rated 2/5" in r.text for r in tom.replies), (
        "Tom reads it"
    )
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert (booked.rating, booked.rating_public) == (2, False)
    async with session_factory() as session:
        profile = (await session.execute(select(TrainerProfile))).scalar_one()
    assert (profile.rating, profile.rating_count) == (None, 0), "not in the public rating"
