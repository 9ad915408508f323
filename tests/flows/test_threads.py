"""Conversations attached to workouts: "💬 Message" on the client's card, "💬 Ask my trainer" on
a reminder, Reply, the thread, media both ways, a timestamped note on a form-check video, and
everything that must be refused or held."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.application import SpotterApplication
from bot.config import Settings
from bot.dispatch import dispatch_due
from coaching.clock import ManualClock
from coaching.domain.enums import RelationshipStatus
from coaching.domain.permissions import PermissionFlags
from coaching.domain.threads import ThreadMediaKind
from coaching.services.base import ServiceContext
from storage.models import PermissionSet, Relationship, WorkoutMessage
from tests.conftest import restarted
from tests.factories import (
    Factory,
    alerts_world,
    make_coaching,
    make_user,
    plan_session,
    rated,
    reminded,
    trainer_and_client,
)
from tests.fakes import FakeBotAPI
from tests.fakes.chat import ChatSimulator, SimUser
from tests.fakes.updates import message_update

NIGHT = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
MORNING = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


async def _messages(factory: Factory) -> list[WorkoutMessage]:
    async with factory() as session:
        rows = await session.execute(select(WorkoutMessage).order_by(WorkoutMessage.id))
        return list(rows.scalars())


async def _send_sticker(sim: ChatSimulator, who: SimUser) -> None:
    api = sim.api
    update = message_update(
        api.next_update_id(),
        who.user,
        "",
        chat_id=who.chat_id,
        message_id=api.allocate_message_id(who.chat_id),
        date=int(api.now()),
    )
    del update["message"]["text"]
    update["message"]["sticker"] = {
        "file_id": "STICKER",
        "file_unique_id": "u-STICKER",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    await sim.deliver(update)


async def _open_card_message(tom: SimUser) -> None:
    await tom.send("/clients")
    await tom.press("Alice")
    await tom.press("💬 Message")


async def test_trainer_writes_from_the_card_and_the_client_replies_with_a_photo(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await _open_card_message(tom)
    assert tom.last_reply.text.startswith("💬 Message to Alice about General.")
    await tom.send("Great squats today! <b>Keep</b> the bar path.")
    assert tom.last_reply.text == "✅ Sent to Alice."
    got = alice.last_reply
    assert got.text == "💬 Tom · General\n\nGreat squats today! <b>Keep</b> the bar path."
    assert got.flat_buttons == ["↩️ Reply", "📜 See the thread"]

    await alice.press("↩️ Reply")
    assert alice.last_reply.text.startswith("💬 Message to Tom about General.")
    await alice.send_photo("PHOTO-DEPTH", caption="Is this depth ok?")
    assert alice.last_reply.text == "✅ Sent to Tom."
    photo = tom.last_reply
    assert photo.file_id == "PHOTO-DEPTH"
    assert photo.text == "💬 Alice · General\n\nIs this depth ok?"
    assert "📝 Note at a moment" not in photo.flat_buttons, "notes are for videos"

    await tom.press("📜 See the thread")
    thread = tom.last_reply.text
    assert thread.startswith("📜 General · with Alice")
    assert "You · Mon 23 Nov 09:00\nGreat squats today!" in thread
    assert "Alice · Mon 23 Nov 09:00\n[📷 photo] Is this depth ok?" in thread
    await alice.press("📜 See the thread")
    assert "Tom · Mon 23 Nov 09:00\nGreat squats today!" in alice.last_reply.text

    stored = await _messages(session_factory)
    assert [(m.from_trainer, m.text, m.media_kind, m.file_id) for m in stored] == [
        (True, "Great squats today! <b>Keep</b> the bar path.", None, None),
        (False, "Is this depth ok?", ThreadMediaKind.PHOTO, "PHOTO-DEPTH"),
    ]


async def test_a_form_check_video_from_a_reminder_gets_a_timestamped_note(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, planned = await reminded(app, session_factory, clock)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await alice.press("💬 Ask my trainer")
    assert "Message to Tom about Lower A · Mon 23 Nov" in alice.last_reply.text
    await alice.send_video("VIDEO-SQUAT", caption="Form check, set 3")
    video = tom.last_reply
    assert video.file_id == "VIDEO-SQUAT"
    assert video.text == "💬 Alice · Lower A · Mon 23 Nov\n\nForm check, set 3"
    assert video.flat_buttons == ["↩️ Reply", "📜 See the thread", "📝 Note at a moment"]

    await tom.press("📝 Note at a moment")
    assert "A note on Alice's video about Lower A · Mon 23 Nov" in tom.last_reply.text
    await tom.send("knees cave in")
    assert tom.last_reply.text.startswith("⚠️ Start with the moment in the video")
    assert "0:42 knees cave in on the way up" in tom.last_reply.text
    await tom.send("0:75 too late")
    assert tom.last_reply.text.startswith("⚠️ Start with the moment")
    await tom.send("0:42 knees cave in on the way up")
    assert tom.last_reply.text == "✅ Sent to Alice."
    note = alice.last_reply.text
    assert note == (
        "📝 Tom on your video · Lower A · Mon 23 Nov\n⏱ 0:42 — knees cave in on the way up"
    )
    stored = await _messages(session_factory)
    assert [(m.coaching_session_id, m.timestamp_s, m.reply_to_id) for m in stored] == [
        (planned.coaching_session_id, None, None),
        (planned.coaching_session_id, 42, stored[0].id),
    ]
    # The client cannot put a timestamped note on her own video.
    await alice.press_data(f"th:t:m:{stored[0].id}")
    assert alice.last_answer == "A timestamped note goes on a client's video."


async def test_a_voice_note_each_way(sim: ChatSimulator, session_factory: Factory) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await _open_card_message(tom)
    await tom.send_voice("VOICE-TOM")
    assert alice.last_reply.raw["voice"]["file_id"] == "VOICE-TOM"
    assert alice.last_reply.text == "💬 Tom · General"
    await alice.press("↩️ Reply")
    await alice.send_voice("VOICE-ALICE", caption="Thanks!")
    assert tom.last_reply.raw["voice"]["file_id"] == "VOICE-ALICE"
    assert tom.last_reply.text == "💬 Alice · General\n\nThanks!"


async def test_bad_input_stays_in_the_step_and_cancel_stores_nothing(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await _open_card_message(tom)
    await tom.send("\u200b\u2060")
    assert tom.last_reply.text == (
        "⚠️ That message has no text I can send. For example: Great depth today — keep it up!"
    )
    await tom.send("x" * 3501)
    assert tom.last_reply.text == (
        "⚠️ That message is 3501 characters; the limit is 3500. Please shorten it."
    )
    await _send_sticker(sim, tom)
    assert tom.last_reply.text.startswith("I can pass on text, a photo, a video or a voice note.")
    await tom.send("/cancel")
    assert "Cancelled" in tom.last_reply.text
    await tom.send("hello?")
    assert alice.replies == []
    assert await _messages(session_factory) == []
    # The longest message still fits one Telegram message with its header.
    await _open_card_message(tom)
    await tom.send("y" * 3500)
    assert alice.last_reply.text.endswith("y" * 3500)


async def test_forged_and_stale_buttons_reveal_nothing(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    coaching = await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await _open_card_message(tom)
    await tom.send("Private note about your knee")
    [message] = await _messages(session_factory)
    eve_user = await make_user(session_factory, 3003, "Eve", trainer=True)
    bob_user = await make_user(session_factory, 4004, "Bob", client=True)
    await make_coaching(session_factory, eve_user, bob_user)
    eve = sim.user(3003, "Eve")
    await eve.send("/help")
    for data in (
        f"th:n:c:{coaching.profile.id}",
        f"th:v:m:{message.id}",
        f"th:n:m:{message.id}",
        f"th:t:m:{message.id}",
        f"th:n:s:{message.id + 500}",
        f"th:n:r:{message.id + 500}",
    ):
        await eve.press_data(data)
        assert eve.last_answer == "I can't find that conversation among yours.", data
    for data in ("th:n:x:1", "th:n:c:abc", "th:q:c:1", f"th:n:c:{'9' * 20}"):
        await eve.press_data(data)
        assert eve.last_answer == "This button has expired. Send /help to start again.", data
    assert all("knee" not in r.text for r in eve.replies)
    # Alice's own client cannot write in another client's thread either.
    bob = sim.user(4004, "Bob")
    await bob.send("/help")
    await bob.press_data(f"th:n:m:{message.id}")
    assert bob.last_answer == "I can't find that conversation among yours."
    assert len(await _messages(session_factory)) == 1
    assert len(alice.replies) == 1


async def test_a_relationship_paused_mid_thread_refuses_the_message_but_keeps_the_thread(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await _open_card_message(tom)
    await tom.send("First message")
    await alice.press("↩️ Reply")
    async with session_factory() as session:
        await session.execute(update(Relationship).values(status=RelationshipStatus.PAUSED))
        await session.commit()
    await alice.send("Are we still on?")
    assert alice.last_reply.text == (
        "⚠️ Your coaching relationship with Tom is paused, so messages can't be sent. "
        "The conversation stays here for the record."
    )
    assert len(await _messages(session_factory)) == 1
    await alice.send("anyone?")
    assert "I'm not expecting" in alice.last_reply.text or "/help" in alice.last_reply.text
    await alice.press("📜 See the thread")
    assert "First message" in alice.last_reply.text
    assert all("Are we still on" not in r.text for r in tom.replies)


async def test_quiet_hours_hold_thread_messages_unless_contact_outside_hours(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await trainer_and_client(session_factory, flags=PermissionFlags(contact_outside_hours=True))
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    clock.set(NIGHT)
    await _open_card_message(tom)
    await tom.send("Allowed at night")
    assert tom.last_reply.text == "✅ Sent to Alice."
    assert alice.last_reply.text.endswith("Allowed at night")

    # Alice revokes "contact outside hours" mid-thread: the next one waits for 07:00.
    async with session_factory() as session:
        await session.execute(update(PermissionSet).values(contact_outside_hours=False))
        await session.commit()
    clock.advance(minutes=20)
    await _open_card_message(tom)
    await tom.send("This can wait")
    assert tom.last_reply.text == (
        "🌙 It's quiet hours for Alice: your message goes out at 07:00 their time."
    )
    assert len(alice.replies) == 1

    # Alice's video to Tom at night waits for Tom's quiet hours too (once he has stopped using
    # the bot: a reply minutes after his own message would reach him at once).
    clock.advance(minutes=30)
    await alice.press("↩️ Reply")
    await alice.send_video("VIDEO-NIGHT", caption="Late session")
    assert alice.last_reply.text == (
        "🌙 It's quiet hours for Tom: your message goes out at 07:00 their time."
    )
    tom_before = len(tom.replies)
    clock.set(MORNING)
    await dispatch_due(app.bot, app.services.ctx)
    assert alice.last_reply.text.endswith("This can wait")
    assert alice.last_reply.flat_buttons == ["↩️ Reply", "📜 See the thread"]
    video = tom.last_reply
    assert len(tom.replies) == tom_before + 1
    assert video.file_id == "VIDEO-NIGHT"
    assert video.flat_buttons == ["↩️ Reply", "📜 See the thread", "📝 Note at a moment"]
    await tom.press("📝 Note at a moment")
    await tom.send("1:05 good lockout")
    assert "⏱ 1:05 — good lockout" in alice.last_reply.text


async def test_threads_are_exported_kept_after_the_end_and_erased_with_the_client(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await _open_card_message(tom)
    await tom.send("How did the deadlifts feel?")
    await alice.press("↩️ Reply")
    await alice.send_video("VIDEO-DL", caption="Heavy but ok")

    replies = await alice.send("/mydata")
    data = json.loads(next(r for r in replies if r.document).file_bytes or b"{}")
    assert [(c["from_trainer"], c["text"], c["media_kind"]) for c in data["conversations"]] == [
        (True, "How did the deadlifts feel?", None),
        (False, "Heavy but ok", "video"),
    ]

    await tom.send("/export")
    await tom.press("Client data")
    replies = await tom.press("Alice")
    [messages] = [
        r for r in replies if r.document and "messages" in r.document.get("file_name", "")
    ]
    rows = list(csv.reader(io.StringIO((messages.file_bytes or b"").decode())))
    assert rows[0][:5] == ["client", "sent_at", "from", "about", "text"]
    assert rows[1][2:5] == ["Tom", "General", "How did the deadlifts feel?"]
    assert rows[2][2:7] == ["Alice", "General", "Heavy but ok", "video", "VIDEO-DL"]

    # The relationship ends: the thread stays readable, but takes no new messages.
    async with session_factory() as session:
        await session.execute(update(Relationship).values(status=RelationshipStatus.TERMINATED))
        await session.commit()
    await tom.press("📜 See the thread")
    assert "Heavy but ok" in tom.last_reply.text
    await tom.press("💬 Write")
    await tom.send("One more thing")
    assert "is terminated, so messages can't be sent" in tom.last_reply.text
    assert len(await _messages(session_factory)) == 2

    await alice.send("/deleteme")
    await alice.send("DELETE")
    assert "Your personal data has been erased" in alice.last_reply.text
    assert await _messages(session_factory) == []


async def test_the_session_summary_and_today_carry_the_conversation_buttons(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    planned = await plan_session(session_factory, coaching, at=clock.now())
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await alice.send("/today")
    assert "💬 Ask my trainer" in alice.last_reply.flat_buttons
    assert any(
        f"th:n:s:{planned.coaching_session_id}" in row for row in alice.last_reply.button_data
    )

    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    await tom.send("100x5")
    await tom.press("🏁 Finish")
    await tom.press("Yes, finish")
    summary = next(r for r in reversed(tom.replies) if "Session complete" in r.text)
    assert summary.flat_buttons == ["💬 Message"]
    client_summary = next(r for r in alice.replies if "Session complete" in r.text)
    assert client_summary.flat_buttons == ["💬 Ask my trainer"]
    await alice.press("💬 Ask my trainer", message_id=client_summary.message_id)
    assert "Message to Tom about Lower A · Mon 23 Nov" in alice.last_reply.text
    await alice.send("Was the last set too slow?")
    assert tom.last_reply.text == "💬 Alice · Lower A · Mon 23 Nov\n\nWas the last set too slow?"
    [stored] = await _messages(session_factory)
    assert stored.coaching_session_id == planned.coaching_session_id, "one thread per workout"


async def test_an_alert_and_a_feedback_review_offer_a_message(
    sim: ChatSimulator, session_factory: Factory, ctx: ServiceContext, clock: ManualClock
) -> None:
    coaching = await alerts_world(session_factory, ctx, clock)
    tara, cleo = sim.user(1001, "Tara"), sim.user(1002, "Cleo")
    await tara.send("/alerts")
    await tara.press("🟨 Cleo: Missed workout")
    await tara.press("💬 Message")
    assert "Message to Cleo about General" in tara.last_reply.text
    await tara.send("Missed you yesterday, all good?")
    assert cleo.last_reply.text.endswith("Missed you yesterday, all good?")
    [stored] = await _messages(session_factory)
    assert stored.client_profile_id == coaching.profile.id


async def test_the_feedback_review_offers_a_message(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    alice, tom, _ = await rated(sim, session_factory, clock)
    await tom.send("/feedback")
    await tom.press("Alice · Lower A")
    await tom.press("💬 Message")
    assert "Message to Alice about Lower A · Mon 23 Nov" in tom.last_reply.text
    await tom.send("Why only 4 stars?")
    assert alice.last_reply.text == "💬 Tom · Lower A · Mon 23 Nov\n\nWhy only 4 stars?"
    await alice.press("↩️ Reply")
    await alice.send("The gym was crowded")
    assert tom.last_reply.text.endswith("The gym was crowded")


async def test_a_held_message_is_delivered_once_by_another_process_after_a_restart(
    app: SpotterApplication,
    sim: ChatSimulator,
    session_factory: Factory,
    clock: ManualClock,
    settings: Settings,
    api: FakeBotAPI,
    engine: AsyncEngine,
) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    clock.set(NIGHT)
    await _open_card_message(tom)
    await tom.send("See you at 8, bring chalk")
    assert tom.last_reply.text.startswith("🌙 It's quiet hours for Alice")
    await app.shutdown()  # the first process stops with the message held
    clock.set(MORNING)
    async with restarted(settings, api, engine, clock) as second:
        await dispatch_due(second.bot, second.services.ctx)
        await dispatch_due(second.bot, second.services.ctx)
    delivered = [r for r in alice.replies if r.text.endswith("See you at 8, bring chalk")]
    assert len(delivered) == 1
    assert delivered[0].flat_buttons == ["↩️ Reply", "📜 See the thread"]
    await app.initialize()  # the fixture shuts it down again


async def test_the_longest_captions_and_names_still_fit_telegram(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    # Telegram allows 64 characters in a first name (the column holds as many).
    trainer = await make_user(session_factory, 1001, "🏋️" * 32, trainer=True)
    client = await make_user(session_factory, 2001, "Alice", client=True)
    await make_coaching(session_factory, trainer, client, name="😀" * 60)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await tom.send("/clients")
    await tom.press("😀")
    await tom.press("💬 Message")
    await tom.send_photo("PHOTO-LONG", caption="💪" * 351)
    assert "the limit is 700" in tom.last_reply.text
    await tom.send_photo("PHOTO-LONG", caption="💪" * 350)
    assert alice.last_reply.file_id == "PHOTO-LONG"
    assert alice.last_reply.text.endswith("💪" * 350)


async def test_five_hundred_messages_page_back_to_the_first_and_every_page_fits(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    coaching = await trainer_and_client(session_factory)
    await make_user(session_factory, 3003, "Eve", trainer=True)
    tom, alice, eve_chat = sim.user(1001, "Tom"), sim.user(2001, "Alice"), sim.user(3003, "Eve")
    await _open_card_message(tom)
    await tom.send("#000 first")
    [first] = await _messages(session_factory)
    assert coaching.client is not None
    async with session_factory() as session:
        for i in range(1, 500):
            long = i % 3 == 0
            text = f"#{i:03d} " + ("<b>&lifts</b> " * 40 if long else "ok")
            session.add(
                WorkoutMessage(
                    relationship_id=first.relationship_id,
                    client_profile_id=first.client_profile_id,
                    subject=first.subject,
                    from_trainer=i % 2 == 0,
                    author_user_id=coaching.trainer.id if i % 2 == 0 else coaching.client.id,
                    text=text,
                    created_by=coaching.trainer.id,
                )
            )
        await session.commit()

    await tom.press("📜 See the thread")
    page = tom.last_reply
    assert "#499" in page.text
    assert "&lifts" in page.text, "user text is escaped, not read as HTML"
    seen: list[int] = []
    older_data = ""
    for _ in range(200):
        numbers = [
            int(word[1:4]) for word in page.text.split() if word[:1] == "#" and word[1:4].isdigit()
        ]
        seen = numbers + seen
        if "⬅️ Older" not in page.flat_buttons:
            break
        older_data = page.button_data[0][0]
        await tom.press("⬅️ Older", message_id=page.message_id)
        page = tom.last_reply
        assert page.edited, "older pages replace the page in place"
    assert seen == list(range(500)), "every message once, in order, back to the first"
    assert "No older messages" not in page.text

    await tom.press_data(f"th:o:m:{first.id}:{first.id}", message_id=page.message_id)
    assert "No older messages." in tom.last_reply.text
    assert tom.last_reply.flat_buttons == ["💬 Write"]

    # Another trainer's forged "Older" button and a broken one reveal nothing.
    await eve_chat.send("/help")
    before = len(eve_chat.replies)
    await eve_chat.press_data(older_data)
    assert eve_chat.last_answer_alert
    await eve_chat.press_data("th:o:m:1:x")
    assert eve_chat.last_answer is not None
    assert "expired" in eve_chat.last_answer
    assert len(eve_chat.replies) == before
    # Alice pages the same thread from her side.
    await alice.press("📜 See the thread")
    assert "#499" in alice.last_reply.text
    await alice.press("⬅️ Older")
    assert "#499" not in alice.last_reply.text
    assert "#470" in alice.last_reply.text
