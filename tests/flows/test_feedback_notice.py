"""The trainer hears about a client's feedback once: one notice, edited as the feedback grows.

The RPE tap sends it; the text and the rating edit it in place, and the finished notice carries
the "📝 Review" button. A pain alert stays a message of its own. The notice's place survives a
restart, and a notice the trainer deleted is replaced by a new one.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.application import SpotterApplication
from bot.config import Settings
from coaching.clock import ManualClock
from tests.conftest import make_sim, restarted
from tests.factories import Factory, finished, records
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator, Reply, SimUser


def _message(user: SimUser, message_id: int) -> Reply:
    return next(r for r in user.replies if r.message_id == message_id)


async def test_one_notice_edited_in_place_and_the_pain_alert_apart(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, _, alice, tom = await finished(sim, session_factory, clock)
    before = len(tom.replies)
    await alice.press("9")
    notice = tom.last_reply
    assert notice.text == "💬 Alice rated Lower A: RPE 9/10."
    assert notice.buttons == [], "no Review button until the feedback is complete"

    await alice.send("Knee hurt on the last squat set")
    assert "How was Lower A overall?" in alice.last_reply.text
    assert "Possible injury" in tom.last_reply.text, "the pain alert is a message of its own"
    assert _message(tom, notice.message_id).text == (
        "💬 Alice on Lower A: RPE 9/10 · “Knee hurt on the last squat set”"
    )

    await alice.press("4 ⭐")
    [record] = await records(session_factory)
    edited = _message(tom, notice.message_id)
    assert edited.edited
    assert edited.text == (
        "💬 Alice on Lower A: RPE 9/10 · rated 4/5 · “Knee hurt on the last squat set”"
    )
    assert edited.button_data == [[f"tf:o:{record.id}"]]
    new = tom.replies[before:]
    assert [r.message_id for r in new] == [notice.message_id, new[1].message_id]
    assert "Possible injury" in new[1].text
    assert len(new) == 2, "one feedback notice and one pain alert, nothing more"

    await tom.press("📝 Review")
    assert "Write feedback" in _message(tom, notice.message_id).flat_buttons[0]


async def test_skipping_everything_adds_the_review_button_to_the_same_notice(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, _, alice, tom = await finished(sim, session_factory, clock)
    before = len(tom.replies)
    await alice.press("6")
    await alice.press("Skip ›")
    await alice.press("Skip ›")
    [record] = await records(session_factory)
    [notice] = tom.replies[before:]
    assert notice.text == "💬 Alice rated Lower A: RPE 6/10."
    assert notice.button_data == [[f"tf:o:{record.id}"]]


async def test_the_notice_is_edited_after_a_restart(
    app: SpotterApplication,
    settings: Settings,
    api: FakeBotAPI,
    engine: AsyncEngine,
    sim: ChatSimulator,
    session_factory: Factory,
    clock: ManualClock,
) -> None:
    _, _, alice, tom = await finished(sim, session_factory, clock)
    before = len(tom.replies)
    await alice.press("8")
    notice = tom.last_reply
    async with restarted(settings, api, engine, clock) as app2:
        sim2 = make_sim(app2, api)
        alice2, tom2 = sim2.user(2001, "Alice"), sim2.user(1001, "Tom")
        await alice2.send("felt strong")
        await alice2.press("5 ⭐")
        assert alice2.last_reply.text.startswith("✅ Feedback saved for Lower A")
        [new] = tom2.replies[before:]
        assert new.message_id == notice.message_id
        assert new.text == "💬 Alice on Lower A: RPE 8/10 · rated 5/5 · “felt strong”"
        assert new.buttons == [["📝 Review"]]


async def test_a_deleted_notice_is_sent_again(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, _, alice, tom = await finished(sim, session_factory, clock)
    await alice.press("7")
    gone = tom.last_reply.message_id
    await app.bot.delete_message(tom.chat_id, gone)
    await alice.send("bench was easy")
    again = tom.last_reply
    assert again.message_id != gone
    assert again.text == "💬 Alice on Lower A: RPE 7/10 · “bench was easy”"
    await alice.press("3 ⭐")
    assert _message(tom, again.message_id).text == (
        "💬 Alice on Lower A: RPE 7/10 · rated 3/5 · “bench was easy”"
    )
    assert tom.last_reply.message_id == again.message_id


async def test_a_blocked_trainer_does_not_break_the_clients_feedback(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, _, alice, tom = await finished(sim, session_factory, clock)
    await alice.press("7")
    sim.api.block(tom.chat_id)
    await alice.send("bench was easy")
    await alice.press("3 ⭐")
    assert alice.last_reply.text.startswith("✅ Feedback saved for Lower A: RPE 7/10")
    [record] = await records(session_factory)
    assert record.trainee_feedback["rating"] == 3


async def test_typed_skip_words_act_like_the_skip_buttons(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, _, alice, tom = await finished(sim, session_factory, clock)
    await alice.press("6")
    await alice.send("skip")
    assert "How was Lower A overall?" in alice.last_reply.text
    await alice.send("n/a")
    assert alice.last_reply.text == "✅ Feedback saved for Lower A: RPE 6/10. Tom has it."
    [record] = await records(session_factory)
    assert set(record.trainee_feedback) == {"rpe", "at"}, "no text 'skip' stored"
    assert tom.last_reply.text == "💬 Alice rated Lower A: RPE 6/10."
    assert tom.last_reply.button_data == [[f"tf:o:{record.id}"]]
