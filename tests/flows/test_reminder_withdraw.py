"""A reminder's buttons never contradict each other.

"Done as prescribed" after "Can't make it" withdraws the request to move the session (after a
confirmation that says so), tells the trainer, and the trainer's old answer buttons say the
request was withdrawn. "Can't make it" on a session already logged says it is logged.
"""

from __future__ import annotations

from sqlalchemy import update

from bot.application import SpotterApplication
from coaching.clock import ManualClock
from coaching.domain.enums import SessionStatus
from storage.models import ClientProfile
from tests.factories import Factory, appointment, records, reminded, reminder_id
from tests.fakes.chat import ChatSimulator

ASK_ANYWAY = (
    "You told Tom you can't make it. Log it as done anyway? "
    "Your request to move it will be withdrawn."
)


async def _set_gender(factory: Factory, profile_id: int, gender: str | None) -> None:
    async with factory() as session:
        await session.execute(
            update(ClientProfile).where(ClientProfile.id == profile_id).values(gender=gender)
        )
        await session.commit()


async def test_done_after_cant_make_it_withdraws_the_request_and_tells_the_trainer(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching, planned = await reminded(app, session_factory, clock)
    await _set_gender(session_factory, coaching.profile.id, "female")
    sid = planned.coaching_session_id
    alice, tom = sim.user(2001, "Alice"), sim.user(1001, "Tom")
    reminder = reminder_id(alice)
    await alice.press("🙅 Can't make it")
    await alice.press("💼 Work")
    await alice.send("friday 7pm")
    assert "Sent to Tom, proposing Fri 27 Nov, 19:00" in alice.last_reply.text
    request = tom.last_reply
    assert request.flat_buttons[0] == "✅ Accept"
    assert (await appointment(session_factory, sid)).status_reason == ("Client can't make it: work")

    await alice.press("✅ Done as prescribed", message_id=reminder)
    assert alice.last_reply.text == ASK_ANYWAY
    await alice.press("✖ No")
    booked = await appointment(session_factory, sid)
    assert (booked.status, booked.status_reason) == (
        SessionStatus.SCHEDULED,
        "Client can't make it: work",
    ), "No keeps the request open"
    assert await records(session_factory) == []

    await alice.press("✅ Done as prescribed", message_id=reminder)
    await alice.press("✅ Yes, log it")
    booked = await appointment(session_factory, sid)
    assert booked.status is SessionStatus.COMPLETED
    assert booked.status_reason is not None
    assert "can't make it" not in booked.status_reason
    assert "withdrawn" in booked.status_reason
    assert len(await records(session_factory)) == 1
    told = [r.text for r in tom.new_replies]
    assert "Alice did Lower A after all; her request to move it is withdrawn." in told
    assert any("logged it as prescribed" in text for text in told)

    for label in ("✅ Accept", "🔄 Pick another time", "✖ Cancel session"):
        await tom.press(label, message_id=request.message_id)
        assert tom.last_answer == (
            "Alice withdrew this request and logged Lower A as done. Nothing was changed."
        ), label
    booked = await appointment(session_factory, sid)
    assert booked.status is SessionStatus.COMPLETED, "nothing moved or cancelled"

    await alice.press("🙅 Can't make it", message_id=reminder)
    assert (
        alice.last_answer == "This session is already logged as done, so there is nothing to move."
    )


async def test_the_trainer_notice_has_a_neutral_pronoun_without_a_gender(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, planned = await reminded(app, session_factory, clock)
    alice, tom = sim.user(2001, "Alice"), sim.user(1001, "Tom")
    reminder = reminder_id(alice)
    await alice.press("🙅 Can't make it")
    await alice.press("🤒 I'm ill")
    await alice.send("none")
    assert alice.last_reply.text == "📨 Sent to Tom. I'll tell you what they decide."
    assert "No new time proposed." in tom.last_reply.text, "typed 'none' = No new time"
    await alice.press("✅ Done as prescribed", message_id=reminder)
    assert alice.last_reply.text == ASK_ANYWAY
    await alice.press("✅ Yes, log it")
    assert any(
        r.text == "Alice did Lower A after all; their request to move it is withdrawn."
        for r in tom.replies
    )
    await tom.press("✖ Cancel session")
    assert tom.last_answer == (
        "Alice withdrew this request and logged Lower A as done. Nothing was changed."
    )
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert booked.status is SessionStatus.COMPLETED


async def test_a_confirmation_shown_before_the_request_still_withdraws_it(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    """The "Log it?" question came first, then "Can't make it"; "Yes" on the older question."""
    _, planned = await reminded(app, session_factory, clock)
    alice, tom = sim.user(2001, "Alice"), sim.user(1001, "Tom")
    reminder = reminder_id(alice)
    await alice.press("✅ Done as prescribed", message_id=reminder)
    question = alice.last_reply.message_id
    await alice.press("🙅 Can't make it", message_id=reminder)
    await alice.press("💼 Work")
    await alice.press("No new time")
    await alice.press("✅ Yes, log it", message_id=question)
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert booked.status is SessionStatus.COMPLETED
    assert "can't make it" not in (booked.status_reason or "")
    assert any("after all; their request to move it is withdrawn" in r.text for r in tom.replies)


async def test_done_without_a_request_asks_the_plain_question_and_tells_no_withdrawal(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, planned = await reminded(app, session_factory, clock)
    alice, tom = sim.user(2001, "Alice"), sim.user(1001, "Tom")
    await alice.press("✅ Done as prescribed")
    assert alice.last_reply.text == "Log every planned set of Lower A as prescribed?"
    await alice.press("✅ Yes, log it")
    booked = await appointment(session_factory, planned.coaching_session_id)
    assert (booked.status, booked.status_reason) == (SessionStatus.COMPLETED, None)
    assert not any("withdrawn" in r.text for r in tom.replies)
    await alice.press("🙅 Can't make it", message_id=reminder_id(alice))
    assert (
        alice.last_answer == "This session is already logged as done, so there is nothing to move."
    )
