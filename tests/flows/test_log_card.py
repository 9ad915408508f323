"""The live card stays the last thing in the chat, and plain words work mid-session.

Typed input sends the card again below the person's message and deletes the old one; a button
press edits in place; a typo is explained inside the re-sent card; an old card's buttons say
it is out of date. ``next``, ``skip``, ``done``, ``finish``, ``undo`` and an exercise's name
typed mid-session do what they say.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import Units
from coaching.domain.live import LastTime
from coaching.domain.sets import SetEntry
from conversations.log import last_time_text, set_texts
from storage.models import SetRecord
from tests.factories import (
    LIVE_PREFIXES,
    fire,
    live_message,
    make_user,
    plan_session,
    records,
    sets_of,
    trainer_and_client,
)
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator, Reply, SimUser

Factory = async_sessionmaker[AsyncSession]


def live_cards(user: SimUser) -> list[Reply]:
    """Every message in the chat that still carries live-logging buttons."""
    return [
        reply
        for reply in user.replies
        if any(data.startswith(LIVE_PREFIXES) for row in reply.button_data for data in row)
    ]


def assert_one_card_at_the_bottom(user: SimUser) -> Reply:
    cards = live_cards(user)
    assert len(cards) == 1, user.transcript()
    assert user.last_reply.message_id == cards[0].message_id, user.transcript()
    return cards[0]


async def _planned(sim: ChatSimulator, factory: Factory, clock: ManualClock) -> SimUser:
    coaching = await trainer_and_client(factory)
    await plan_session(factory, coaching, at=clock.now() + timedelta(hours=1))
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    return tom


async def _stored(factory: Factory) -> list[SetRecord]:
    [record] = await records(factory)
    return await sets_of(factory, record.id)


async def test_a_typed_set_sends_the_card_below_and_deletes_the_old_one(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _planned(sim, session_factory, clock)
    before = live_message(tom).message_id
    await tom.send("100x5")
    card = assert_one_card_at_the_bottom(tom)
    assert card.message_id > before, "the card is below Tom's message"
    assert before not in [r.message_id for r in tom.replies], "the old card is deleted"
    assert "Logged: 100 kg × 5" in card.text
    for typed in ("same", "+2.5 x 3"):
        await tom.send(typed)
        assert_one_card_at_the_bottom(tom)
    assert "3. 102.5 kg × 3" in live_message(tom).text


async def test_a_button_press_edits_the_card_in_place(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _planned(sim, session_factory, clock)
    await tom.send("100x5")
    card = live_message(tom).message_id
    await tom.press("Same")
    after = assert_one_card_at_the_bottom(tom)
    assert after.message_id == card
    assert after.edited
    assert "2. 100 kg × 5" in after.text


async def test_a_typo_is_explained_inside_the_card_and_nothing_is_stored(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _planned(sim, session_factory, clock)
    await tom.send("100x5")
    messages = len(tom.replies)
    await tom.send("100x")
    card = assert_one_card_at_the_bottom(tom)
    assert len(tom.replies) == messages, "no separate error message: the card is replaced"
    assert "⚠️" in card.text
    assert "100x5" in card.text, "the hint gives an example"
    assert "Set 2 of 3" in card.text, "the card still shows where the session is"
    assert len(await _stored(session_factory)) == 1


async def test_an_old_card_that_cannot_be_deleted_answers_out_of_date(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock, api: FakeBotAPI
) -> None:
    tom = await _planned(sim, session_factory, clock)
    await tom.send("100x5")
    old = live_message(tom).message_id
    # Telegram refuses both the delete and the edit (say the phone was offline for days).
    api.fail_next("deleteMessage", error="bad_request", description="Bad Request: no rights")
    api.fail_next("editMessageReplyMarkup", error="bad_request", description="Bad Request: no")
    await tom.send("100x5")
    assert len(live_cards(tom)) == 2, "the old card kept its buttons"
    current = tom.last_reply.message_id

    await tom.press("Same", message_id=old)
    assert tom.last_answer is not None
    assert "out of date" in tom.last_answer
    assert tom.last_answer_alert
    assert len(await _stored(session_factory)) == 2, "nothing logged from the old card"
    assert [c.message_id for c in live_cards(tom)] == [current], "the old card lost its buttons"
    await tom.press("Same")
    assert "3. 100 kg × 5" in live_message(tom).text


async def test_a_card_older_than_two_days_loses_its_buttons_instead(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _planned(sim, session_factory, clock)
    await tom.send("100x5")
    old = live_message(tom).message_id
    clock.advance(hours=49)
    await tom.send("100x5")
    assert_one_card_at_the_bottom(tom)
    stale = next(r for r in tom.replies if r.message_id == old)
    assert stale.buttons == []


async def test_help_mid_session_then_a_set_leaves_one_card_at_the_bottom(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _planned(sim, session_factory, clock)
    await tom.send("100x5")
    await tom.send("/help")
    assert len(live_cards(tom)) == 1
    await tom.send("same")
    assert_one_card_at_the_bottom(tom)
    assert len(await _stored(session_factory)) == 2


# --------------------------------------------------------------------------- words


async def test_next_skip_and_undo_typed_do_what_the_buttons_do(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _planned(sim, session_factory, clock)
    await tom.send("100x5")
    await tom.send("same")
    await tom.send("Undo")
    card = assert_one_card_at_the_bottom(tom)
    assert "Last set removed" in card.text
    assert len(await _stored(session_factory)) == 1

    await tom.send("next")
    card = assert_one_card_at_the_bottom(tom)
    assert "Romanian Deadlift (2/2)" in card.text
    assert "Couldn't read" not in card.text

    await tom.send("skip")
    card = assert_one_card_at_the_bottom(tom)
    assert "Skipped" in card.text
    assert "All exercises done" in card.text
    [record] = await records(session_factory)
    assert len(await sets_of(session_factory, record.id)) == 1


async def test_done_moves_on_and_finish_asks_to_finish(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _planned(sim, session_factory, clock)
    await tom.send("100x5")
    await tom.send("done")
    assert "Romanian Deadlift (2/2)" in live_message(tom).text
    await tom.send("Finish")
    assert "🏁 Finish Lower A? 1 set logged." in tom.last_reply.text
    await tom.press("Yes, finish")
    assert "Session complete" in tom.last_reply.text
    [record] = await records(session_factory)
    assert record.completed


async def test_undo_with_nothing_logged_is_explained_in_the_card(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _planned(sim, session_factory, clock)
    await tom.send("undo")
    card = assert_one_card_at_the_bottom(tom)
    assert "⚠️" in card.text
    assert "Barbell Back Squat (1/2)" in card.text


async def test_an_exercise_name_switches_to_it_or_adds_it(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _planned(sim, session_factory, clock)
    await tom.send("rdl")
    card = assert_one_card_at_the_bottom(tom)
    assert "On to Romanian Deadlift" in card.text
    assert "Romanian Deadlift (2/2)" in card.text
    await tom.send("80x8")
    assert "1. 80 kg × 8" in live_message(tom).text

    await tom.send("bench press")  # several bench presses: Tom confirms which
    assert "Which one did you mean?" in tom.last_reply.text
    assert len(await _stored(session_factory)) == 1
    await tom.press("Barbell Bench Press")
    card = assert_one_card_at_the_bottom(tom)
    assert "Added" in card.text
    assert "Barbell Bench Press (3/3)" in card.text
    await tom.send("60x10")
    stored = await _stored(session_factory)
    assert [(str(s.weight_kg), s.reps) for s in stored] == [("80.000", 8), ("60.000", 10)]


async def test_an_ambiguous_name_asks_which_one_before_changing_anything(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 3001, "Cleo", client=True)
    cleo = sim.user(3001, "Cleo")
    await cleo.send("/log")
    await cleo.press("My own workout")
    await cleo.send("squat")
    await cleo.press("Barbell Back Squat")
    await cleo.send("60x5")
    await cleo.send("curl")
    asked = cleo.last_reply
    assert "Which one did you mean?" in asked.text
    assert len(asked.flat_buttons) >= 3, asked.flat_buttons
    [record] = await records(session_factory)
    assert len(record.session_metadata.get("ops", [])) == 1, "nothing changed yet"
    await cleo.press(asked.flat_buttons[0])
    assert f"{asked.flat_buttons[0]} (2/2)" in live_message(cleo).text


async def test_words_in_notation_still_log_sets(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _planned(sim, session_factory, clock)
    for typed in ("100x5 warm-up", "same", "100 kg x 5 rpe 8", "5@100"):
        await tom.send(typed)
    assert len(await _stored(session_factory)) == 4


async def test_a_search_with_no_match_is_said_in_the_card_and_asks_again(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _planned(sim, session_factory, clock)
    await tom.press("More…")
    await tom.press("Swap exercise")
    messages = len(tom.replies)
    await tom.send("zzzz qqqq")
    card = tom.last_reply
    assert len(tom.replies) == messages, "no separate error message"
    assert "No exercise matches “zzzz qqqq”" in card.text
    assert card.flat_buttons == ["‹ Back"]
    await tom.send("leg press")
    assert "Which one did you mean?" in tom.last_reply.text


async def test_a_note_too_long_is_said_in_the_card_and_nothing_is_saved(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _planned(sim, session_factory, clock)
    await tom.send("100x5")
    await tom.press("More…")
    await tom.press("Note")
    messages = len(tom.replies)
    await tom.send("x" * 1500)
    card = tom.last_reply
    assert len(tom.replies) == messages, "no separate error message"
    assert "too long" in card.text
    await tom.send("Knees caving on rep 4")
    assert "Note saved" in live_message(tom).text


# --------------------------------------------------------------------------- notices


async def test_rest_over_mid_session_then_a_set_leaves_one_working_card(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock, api: FakeBotAPI
) -> None:
    tom = await _planned(sim, session_factory, clock)
    await tom.send("100x5")
    clock.advance(minutes=3)
    await fire(sim.app)
    assert tom.last_reply.text.startswith("⏱ Rest over"), "the notice is below the card"

    old = live_message(tom).message_id
    await tom.send("same")
    card = assert_one_card_at_the_bottom(tom)
    assert old not in [r.message_id for r in tom.replies], "the card above the notice is gone"
    assert "2. 100 kg × 5" in card.text
    await tom.press("Same")
    assert "3. 100 kg × 5" in assert_one_card_at_the_bottom(tom).text
    assert len(await _stored(session_factory)) == 3


async def test_a_trainer_message_mid_session_then_a_set_leaves_one_working_card(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    await plan_session(session_factory, coaching, at=clock.now() + timedelta(hours=1))
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await alice.send("/today")
    await alice.press("▶️ Start Lower A")
    await alice.send("100x5")
    old = live_message(alice).message_id

    await tom.send("/clients")
    await tom.press("Alice")
    await tom.press("💬 Message")
    await tom.send("Brace harder on the next one.")
    assert "Brace harder" in alice.last_reply.text, "the notice arrived below Alice's card"

    await alice.send("100x5 @8")
    card = assert_one_card_at_the_bottom(alice)
    assert card.message_id > old
    assert "2. 100 kg × 5 @8" in card.text
    assert old not in [r.message_id for r in alice.replies], "the card above the notice is gone"
    await alice.press("Same")
    assert "3. 100 kg × 5" in assert_one_card_at_the_bottom(alice).text


async def test_same_typed_mid_session_repeats_the_last_set(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _planned(sim, session_factory, clock)
    await tom.send("225 lb x 4 @8")
    await tom.send("same")
    card = assert_one_card_at_the_bottom(tom)
    # The load and reps as typed, in the unit typed; the effort is rated afresh.
    assert "Logged: 225 lb × 4\n" in card.text
    assert "2. 225 lb × 4\n" in card.text
    stored = await _stored(session_factory)
    assert [(s.weight_kg, s.entered_unit, s.reps, s.rpe) for s in stored] == [
        (stored[0].weight_kg, "lb", 4, 8),
        (stored[0].weight_kg, "lb", 4, None),
    ]


async def test_a_variant_of_the_open_lift_does_not_switch_to_the_open_lift(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 3001, "Cleo", client=True)
    cleo = sim.user(3001, "Cleo")
    await cleo.send("/log")
    await cleo.press("My own workout")
    await cleo.send("bench press")
    await cleo.press("Barbell Bench Press")
    await cleo.send("60x5")

    await cleo.send("incline bench press")
    asked = cleo.last_reply
    assert "Which one did you mean?" in asked.text
    assert "Incline Barbell Bench Press" in asked.flat_buttons
    assert "Barbell Bench Press" not in asked.flat_buttons, "the open flat bench is not offered"
    [record] = await records(session_factory)
    assert len(record.session_metadata.get("ops", [])) == 1, "nothing changed yet"

    await cleo.press("Incline Barbell Bench Press")
    card = assert_one_card_at_the_bottom(cleo)
    assert "Incline Barbell Bench Press (2/2)" in card.text
    await cleo.send("40x8")
    stored = await _stored(session_factory)
    assert [(str(s.weight_kg), s.reps) for s in stored] == [("60.000", 5), ("40.000", 8)]
    assert stored[0].exercise_id != stored[1].exercise_id


def test_last_time_lists_eight_sets_then_an_ellipsis_in_the_viewers_unit() -> None:
    sets = tuple(SetEntry(5, Decimal(100 + n), False, Units.KG) for n in range(10))
    text = last_time_text(LastTime(on=date(2026, 11, 3), sets=sets), Units.KG)
    assert text == "Tue 3 Nov: " + ", ".join(f"{100 + n} kg × 5" for n in range(8)) + ", …"
    assert set_texts(sets[:1], Units.LB) == ("100 kg × 5",), "a set keeps the unit it was typed in"
