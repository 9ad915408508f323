"""Importing Strong/Hevy files through the chat: matching, summary, undo, bad files, forgery."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import SessionRecord, SetRecord
from tests.factories import make_coaching, make_user
from tests.fakes.chat import ChatSimulator
from tests.services.test_imports import HEVY, STRONG

Factory = async_sessionmaker[AsyncSession]
ALICE, TOM = 2001, 1001


async def _counts(factory: Factory) -> tuple[int, int]:
    async with factory() as session:
        records = await session.execute(select(func.count(SessionRecord.id)))
        sets = await session.execute(select(func.count(SetRecord.id)))
        return int(records.scalar_one()), int(sets.scalar_one())


async def test_client_imports_strong_with_a_question_then_undoes(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    await alice.send_document(STRONG, "strong.csv", "text/csv")
    question = alice.last_reply
    assert "I can't match “Zottman Wiggle” (1 set)" in question.text
    assert question.flat_buttons[-2:] == ["➕ Create as my own", "Skip these sets"]
    await alice.send("the wiggle one")
    assert "Please use the buttons" in alice.last_reply.text
    (summary,) = await alice.press("Create as my own", message_id=question.message_id)
    assert summary.message_id == question.message_id, "the question is edited into the summary"
    assert "Ready to import" in summary.text
    assert "Strong export" in summary.text
    assert "2 workouts, 6 sets" in summary.text
    assert "18 Nov 2026 – 20 Nov 2026" in summary.text
    assert "Deadlift (Barbell) → Barbell Deadlift" in summary.text
    assert "Zottman Wiggle: new exercise of your own" in summary.text
    assert await _counts(session_factory) == (0, 0), "nothing is stored before Import"
    (done,) = await alice.press("Import")
    assert "Imported into your own history: 2 workouts, 6 sets" in done.text
    assert await _counts(session_factory) == (2, 6)
    undo = done.button_data[0][0]

    (undone,) = await alice.press("Undo this import")
    assert "Import undone: removed 2 workouts and 6 sets" in undone.text
    assert await _counts(session_factory) == (0, 0)
    await alice.press_data(undo)
    assert alice.last_answer is not None
    assert "can't find that import" in alice.last_answer


async def test_hevy_pick_a_candidate_and_the_same_file_again(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    await alice.send_document(HEVY, "hevy.csv", "text/csv")
    assert "Bench Press (Barbell)" in alice.last_reply.text
    await alice.press("Barbell Bench Press")
    assert "Hevy export" in alice.last_reply.text
    await alice.press("Import")
    assert await _counts(session_factory) == (1, 3)
    await alice.send_document(HEVY, "hevy.csv", "text/csv")
    await alice.press("Barbell Bench Press")
    assert "1 workout is already here" in alice.last_reply.text
    await alice.press("Import")
    assert "already in Spotter" in alice.last_reply.text
    assert await _counts(session_factory) == (1, 3)


async def test_bad_files_are_named_by_line_and_store_nothing(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    await alice.send_document(b"a,b\n1,2\n", "other.csv", "text/csv")
    assert "not a Strong, Hevy or FitNotes export" in alice.last_reply.text
    await alice.send_document(STRONG.replace(b"Reps;", b""), "strong.csv", "text/csv")
    assert "columns are wrong" in alice.last_reply.text
    dates = STRONG.replace(b"2026-11-18 18:00:00", b"18.11.2026").replace(
        b"2026-11-20 07:15:00", b"20.11.2026"
    )
    await alice.send_document(dates, "s.csv")
    assert "Line 2: the date “18.11.2026”" in alice.last_reply.text
    assert await _counts(session_factory) == (0, 0)


async def test_oversized_file_is_refused_without_downloading(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    big = STRONG + b"\n" * (5 * 1024 * 1024)
    await alice.send_document(big, "strong.csv", "text/csv")
    assert "I can import files up to 5 MB" in alice.last_reply.text
    assert await _counts(session_factory) == (0, 0)


async def test_cancel_in_the_middle_stores_nothing(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    await alice.send_document(STRONG, "strong.csv", "text/csv")
    await alice.send("/cancel")
    assert "Cancelled" in alice.last_reply.text
    await alice.press_data("im:go")
    assert alice.last_answer is not None
    assert "no longer open" in alice.last_answer
    assert await _counts(session_factory) == (0, 0)


async def test_trainer_imports_for_a_client_who_is_told(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom_user = await make_user(session_factory, TOM, "Tom", trainer=True)
    alice_user = await make_user(session_factory, ALICE, "Alice", client=True)
    coaching = await make_coaching(session_factory, tom_user, alice_user)
    tom, alice = sim.user(TOM, "Tom"), sim.user(ALICE, "Alice")
    await tom.send_document(STRONG, "strong.csv", "text/csv")
    # Only one possible target: straight to the questions.
    assert "Zottman Wiggle" in tom.last_reply.text
    await tom.press("Skip these sets")
    assert "Zottman Wiggle: skipped (1 set)" in tom.last_reply.text
    assert "into Alice" in tom.last_reply.text
    await tom.press("Import")
    assert "Imported into Alice: 2 workouts, 5 sets" in tom.last_reply.text
    assert "Tom imported 2 workouts (5 sets)" in alice.last_reply.text
    async with session_factory() as session:
        record = (await session.execute(select(SessionRecord).limit(1))).scalar_one()
        assert record.client_profile_id == coaching.profile.id

    # Another trainer cannot undo it.
    undo = tom.last_reply.button_data[0][0]
    eve_user = await make_user(session_factory, 1002, "Eve", trainer=True)
    eve = sim.user(eve_user.telegram_id, "Eve")
    await eve.send("/import")
    await eve.press_data(undo)
    assert eve.last_answer is not None
    assert "can't find that import" in eve.last_answer
    assert await _counts(session_factory) == (2, 5)


async def test_trainer_and_client_picks_whose_history(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom_user = await make_user(session_factory, TOM, "Tom", trainer=True, client=True)
    alice_user = await make_user(session_factory, ALICE, "Alice", client=True)
    await make_coaching(session_factory, tom_user, alice_user)
    tom = sim.user(TOM, "Tom")
    await tom.send_document(HEVY, "hevy.csv", "text/csv")
    assert "Hevy export received" in tom.last_reply.text
    assert tom.last_reply.flat_buttons == ["🙋 My own history", "Alice"]
    await tom.press_data("im:for:999999")
    assert "I can't import this file. I can't find that client among yours." in tom.last_reply.text


async def test_library_json_document_imports_templates(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, TOM, "Tom", trainer=True)
    tom = sim.user(TOM, "Tom")
    library = (
        b'{"format":"spotter-library","version":1,"templates":[{"name":"Push",'
        b'"exercises":[{"name":"Barbell Bench Press","slug":"barbell-bench-press",'
        b'"target_sets":3}]}],"programs":[]}'
    )
    await tom.send_document(library, "library.json", "application/json")
    assert "Imported 1 template and 0 programs" in tom.last_reply.text
    await tom.send_document(b'{"format":"spotter-library","version":1,"templates":[{}]}', "l.json")
    assert "templates → 0 → name" in tom.last_reply.text
