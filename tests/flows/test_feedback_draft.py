"""The trainer's half-written feedback: /feedback offers to continue it; typed skip words."""

from __future__ import annotations

from sqlalchemy import select

from coaching.clock import ManualClock
from storage.models import MediaNote, TrainingFeedback
from tests.factories import Factory, rated
from tests.fakes.chat import ChatSimulator


async def test_feedback_again_offers_to_continue_the_draft_or_start_over(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    alice, tom, _ = await rated(sim, session_factory, clock)
    await tom.send("/feedback")
    await tom.press("Alice · Lower A")
    await tom.press("✍️ Write feedback")
    await tom.send("Great session, depth was solid")
    assert "Correction notes (2/5)" in tom.last_reply.text

    await tom.send("/feedback")
    offer = tom.last_reply
    assert "unfinished feedback" in offer.text
    assert offer.flat_buttons == ["▶️ Continue your feedback to Alice (2/5)", "🔄 Start over"]
    await tom.press("Continue your feedback to Alice (2/5)")
    assert "Correction notes (2/5)" in tom.last_reply.text
    await tom.send("brace before unracking")
    assert "Form comments (3/5)" in tom.last_reply.text

    await tom.send("/feedback")
    assert "(3/5)" in tom.last_reply.flat_buttons[0]
    await tom.send("knees track well")
    assert "Performance rating (4/5)" in tom.last_reply.text, "typing carries on the draft"

    await tom.send("/feedback")
    await tom.press("🔄 Start over")
    assert "Client feedback to review" in tom.last_reply.text
    await tom.press("Alice · Lower A")
    await tom.press("✍️ Write feedback")
    assert "(1/5)" in tom.last_reply.text
    await tom.send("Solid work")
    await tom.press("Skip ›")
    await tom.press("Skip ›")
    await tom.press("Skip ›")
    await tom.press("Skip ›")
    await tom.press("📤 Send")
    async with session_factory() as session:
        row = (await session.execute(select(TrainingFeedback))).scalar_one()
    assert (row.feedback_text, row.correction_notes, row.form_comments) == (
        "Solid work",
        None,
        None,
    )
    assert "Solid work" in alice.last_reply.text

    await tom.send("/feedback")
    assert "All caught up" in tom.last_reply.text, "no draft: the plain list"
    await tom.press_data("tf:dc")
    assert tom.last_answer == "This button has expired. Send /feedback to start again."


async def test_continue_at_the_confirmation_shows_the_preview(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, tom, _ = await rated(sim, session_factory, clock)
    await tom.send("/feedback")
    await tom.press("Alice · Lower A")
    await tom.press("✍️ Write feedback")
    await tom.send("Nice")
    for _ in range(4):
        await tom.press("Skip ›")
    assert "Send this to Alice" in tom.last_reply.text
    await tom.send("/feedback")
    await tom.press("Continue your feedback to Alice")
    assert "Send this to Alice" in tom.last_reply.text
    assert "Nice" in tom.last_reply.text
    await tom.send("/cancel")
    await tom.send("/feedback")
    assert "Client feedback to review" in tom.last_reply.text, "/cancel drops the draft"


async def test_typed_skip_words_skip_the_trainers_optional_steps(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    alice, tom, rid = await rated(sim, session_factory, clock)
    await tom.send("/feedback")
    await tom.press("Alice · Lower A")
    await tom.press("✍️ Write feedback")
    await tom.send("skip")
    assert "Correction notes (2/5)" in tom.last_reply.text
    await tom.send("-")
    assert "Form comments (3/5)" in tom.last_reply.text
    await tom.send("None")
    assert "Performance rating (4/5)" in tom.last_reply.text
    await tom.send("n/a")
    assert "Progression suggestions (5/5)" in tom.last_reply.text
    await tom.send("Skip.")
    assert "nothing written" in tom.last_reply.text
    await tom.press("📤 Send")
    async with session_factory() as session:
        row = (await session.execute(select(TrainingFeedback))).scalar_one()
    assert (
        row.feedback_text,
        row.correction_notes,
        row.form_comments,
        row.performance_rating,
        row.progression_suggestions,
    ) == (None, None, None, None, None)

    await tom.send("/feedback")
    await tom.press_data(f"tf:o:{rid}")
    await tom.press("🎥 Add a video or photo")
    await tom.send_photo("rack-photo")
    await tom.send("none")
    assert "describe a drawing" in tom.last_reply.text
    await tom.send("skip")
    assert tom.last_reply.text == "✅ Sent the photo with your comments to Alice."
    async with session_factory() as session:
        note = (await session.execute(select(MediaNote))).scalar_one()
    assert (note.comment, note.drawing_data) == (None, None)
    assert alice.last_reply.file_id == "rack-photo"
