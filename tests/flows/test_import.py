"""Importing Strong/Hevy/FitNotes files through the chat: the one review screen (Accept all,
Create the rest, per-name changes), the unit question, unreadable rows, undo, bad files,
/cancel, stale and forged buttons, and every message within Telegram's limits."""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.app_names import APP_NAMES
from coaching.domain.enums import Units
from conversations.importer import ImportButton
from storage.models import Exercise, SessionRecord, SetRecord
from tests.factories import HEVY, STRONG, import_counts, make_coaching, make_user
from tests.fakes.chat import ChatSimulator, Reply

Factory = async_sessionmaker[AsyncSession]
ALICE, TOM = 2001, 1001
FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"
HEADER = (
    "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,"
    "Workout Notes,RPE\n"
)


async def _stored_names(factory: Factory) -> list[str]:
    async with factory() as session:
        rows = await session.execute(
            select(Exercise.name)
            .join(SetRecord, SetRecord.exercise_id == Exercise.id)
            .order_by(SetRecord.id)
        )
        return list(rows.scalars())


def strong(*names: str, sets: int = 1) -> bytes:
    rows = [
        f"2025-02-01 18:00:00,Session,1h,{name},{n},50,10,0,0,,,"
        for name in names
        for n in range(1, sets + 1)
    ]
    return (HEADER + "\n".join(rows) + "\n").encode()


def data_of(reply: Reply, label: str) -> str:
    for row_labels, row_data in zip(reply.buttons, reply.button_data, strict=True):
        for text, data in zip(row_labels, row_data, strict=True):
            if text.startswith(label):
                return data
    raise AssertionError(f"no button {label!r} in {reply.flat_buttons}")


async def test_client_imports_strong_creates_the_rest_then_undoes(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    await alice.send_document(STRONG, "strong.csv", "text/csv")
    review = alice.last_reply
    assert "Ready to import" in review.text
    assert "Strong export" in review.text
    assert "2 workouts, 6 sets" in review.text
    assert "18 Nov 2026 – 20 Nov 2026" in review.text
    assert "4 exercises: 3 matched exactly, 0 with a suggestion, 1 new" in review.text
    assert "Still to decide (1):\n• Zottman Wiggle: new, not decided yet" in review.text
    assert review.flat_buttons == [
        "➕ Create the rest as my own (1)",
        "✏️ Change a name",
        "✖️ Cancel",
    ], "no Import before every name is settled"
    await alice.send("the wiggle one")
    assert "Please use the buttons" in alice.last_reply.text
    (summary,) = await alice.press("➕ Create the rest", message_id=review.message_id)
    assert summary.message_id == review.message_id, "the review is edited in place"
    assert "Every exercise name is settled" in summary.text
    assert summary.flat_buttons[-2:] == ["✅ Import", "✖️ Cancel"]
    assert await import_counts(session_factory) == (0, 0), "nothing is stored before Import"
    (done,) = await alice.press("✅ Import")
    assert "Imported into your own history: 2 workouts, 6 sets" in done.text
    assert "New exercises of your own (1): Zottman Wiggle" in done.text
    assert await import_counts(session_factory) == (2, 6)
    assert (await _stored_names(session_factory))[:4] == ["Barbell Deadlift"] * 3 + [
        "Zottman Wiggle"
    ]
    undo = done.button_data[0][0]

    (undone,) = await alice.press("Undo this import")
    assert "Import undone: removed 2 workouts and 6 sets" in undone.text
    assert await import_counts(session_factory) == (0, 0)
    await alice.press_data(undo)
    assert alice.last_answer is not None
    assert "can't find that import" in alice.last_answer


async def test_accept_all_suggestions_then_create_the_rest(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    data = strong("Squat (Barbell)", "Incline Barbel Bench Pres", "Seated Cabel Row", "Frog Hop")
    await alice.send_document(data, "strong.csv", "text/csv")
    (review,) = await alice.press("✅ kg")
    assert "4 exercises: 1 matched exactly, 2 with a suggestion, 1 new" in review.text
    assert "• Incline Barbel Bench Pres: suggested: Incline Barbell Bench Press?" in review.text
    assert review.flat_buttons[:2] == [
        "💡 Accept all suggestions (2)",
        "➕ Create the rest as my own (3)",
    ]
    (after,) = await alice.press("💡 Accept all suggestions")
    assert "Still to decide (1):\n• Frog Hop: new, not decided yet" in after.text
    assert after.flat_buttons[0] == "➕ Create the rest as my own (1)"
    await alice.press("➕ Create the rest")
    await alice.press("✅ Import")
    assert "Imported into your own history: 1 workout, 4 sets" in alice.last_reply.text
    assert await _stored_names(session_factory) == [
        "Barbell Back Squat",
        "Incline Barbell Bench Press",
        "Seated Cable Row",
        "Frog Hop",
    ]


async def test_change_single_names_from_the_paginated_list(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    names = ["Squat (Barbell)", "Frog Hop", *[f"Odd Move {n}" for n in range(1, 10)]]
    await alice.send_document(strong(*names), "strong.csv", "text/csv")
    await alice.press("✅ kg")
    (page,) = await alice.press("✏️ Change a name")
    assert "Exercise names</b>" not in page.text
    assert "Exercise names (page 1 of 2)" in page.text
    assert "1. Squat (Barbell): → Barbell Back Squat" in page.text
    assert "2. Frog Hop: new, not decided yet" in page.text
    assert page.flat_buttons[-2:] == ["Next ▶️", "⬅️ Back to the summary"]
    (second,) = await alice.press("Next ▶️")
    assert "page 2 of 2" in second.text
    assert "11. Odd Move 9" in second.text
    await alice.press("◀️ Previous")

    # Change an exact match to "skip", and one new name to the person's own.
    (squat,) = await alice.press("1. Squat (Barbell)")
    assert "Squat (Barbell)" in squat.text
    assert "Now: → Barbell Back Squat" in squat.text
    assert squat.flat_buttons[0] == "Barbell Back Squat"
    (back,) = await alice.press("Skip these sets")
    assert "1. Squat (Barbell): skipped (1 set)" in back.text
    await alice.press("2. Frog Hop")
    (back,) = await alice.press("➕ Create as my own")
    assert "2. Frog Hop: a new exercise of your own" in back.text
    (summary,) = await alice.press("⬅️ Back to the summary")
    assert "Still to decide (9)" in summary.text
    await alice.press("➕ Create the rest")
    await alice.press("✅ Import")
    assert "Imported into your own history: 1 workout, 10 sets" in alice.last_reply.text
    assert "Skipped 1 set, as you chose." in alice.last_reply.text
    assert "Barbell Back Squat" not in await _stored_names(session_factory)


async def test_five_hundred_names_fit_every_message(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    """The fake Bot API refuses any message over Telegram's limits, so every screen here is
    checked; the lengths are asserted too."""
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    rng = random.Random(500)
    syllables = ["ka", "zu", "mor", "vek", "tal", "quin", "dro", "pex", "lum", "sorb"]
    names: list[str] = []
    while len(names) < 500:
        word = "".join(rng.choice(syllables) for _ in range(4)).title()
        name = f"{word} <Press> & {word[::-1].title()} Extension (Variation {len(names)})"
        names.append(name[:100])
    await alice.send_document(strong(*names, sets=2), "strong.csv", "text/csv")
    (review,) = await alice.press("✅ kg")
    assert "500 exercises" in review.text
    assert "…and 492 more (see ✏️ Change a name)" in review.text
    assert len(review.text) <= 4096
    (page,) = await alice.press("✏️ Change a name")
    assert "page 1 of 63" in page.text
    for _ in range(62):
        (page,) = await alice.press("Next ▶️", message_id=page.message_id)
        assert len(page.text) <= 4096
        assert all(len(d.encode()) <= 64 for row in page.button_data for d in row)
    assert "page 63 of 63" in page.text
    assert "500. " in page.text
    (one,) = await alice.press("500. ")
    assert len(one.text) <= 4096
    await alice.press("⬅️ Back to the list")
    await alice.press("⬅️ Back to the summary")
    (summary,) = await alice.press("➕ Create the rest")
    assert "Every exercise name is settled" in summary.text
    (done,) = await alice.press("✅ Import")
    assert "1 workout, 1,000 sets" in done.text
    assert "New exercises of your own (500)" in done.text
    assert "and 485 more" in done.text
    assert len(done.text) <= 4096
    assert await import_counts(session_factory) == (1, 1000)


async def test_a_file_without_units_asks_once_with_the_persons_unit_preselected(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True, units=Units.LB)
    alice = sim.user(ALICE, "Alice")
    data = (FIXTURES / "strong_current.csv").read_bytes()
    await alice.send_document(data, "strong.csv", "text/csv")
    ask = alice.last_reply
    assert "Were these weights in kg or lb?" in ask.text
    assert ask.flat_buttons == ["kg", "✅ lb", "✖️ Cancel"]
    (rows,) = await alice.press("kg")
    assert "1 row can't be read" in rows.text
    assert "• Line 12: the reps 877777 is more than 1000." in rows.text
    assert "Import the other 8 sets?" in rows.text
    assert await import_counts(session_factory) == (0, 0)
    (review,) = await alice.press("✅ Import the other 8 sets")
    assert "weights read in kg" in review.text
    assert "2 rest-timer rows left out (not sets)" in review.text
    assert "1 unreadable row left out" in review.text
    assert "5 exercises: 5 matched exactly" in review.text
    (done,) = await alice.press("✅ Import")
    assert "3 workouts, 8 sets" in done.text
    async with session_factory() as session:
        heaviest = await session.execute(select(func.max(SetRecord.weight_kg)))
        assert str(heaviest.scalar_one()) in ("100", "100.000"), "read in kg, as answered"


async def test_many_bad_rows_list_the_first_ten_and_count_the_rest(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    rows = [
        f"2025-02-{1 + n // 100:02d} 18:00:00,S,1h,Squat (Barbell),{n % 100 + 1},100,"
        f"{'877777' if n % 3 == 0 else '5'},0,0,,,"
        for n in range(900)
    ]
    await alice.send_document((HEADER + "\n".join(rows)).encode(), "strong.csv")
    await alice.press("✅ kg")
    text = alice.last_reply.text
    assert "300 rows can't be read" in text
    assert text.count("• Line ") == 10
    assert "…and 290 more." in text
    assert "Import the other 600 sets?" in text
    (cancelled,) = await alice.press("✖️ Cancel")
    assert "Import cancelled. Nothing was stored." in cancelled.text
    assert await import_counts(session_factory) == (0, 0)


async def test_hevy_in_pounds_and_fitnotes_import_without_a_question(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    await alice.send_document((FIXTURES / "hevy_lbs.csv").read_bytes(), "hevy.csv")
    assert "Hevy export" in alice.last_reply.text
    assert "2 exercises: 2 matched exactly" in alice.last_reply.text
    await alice.press("✅ Import")
    assert "1 workout, 3 sets" in alice.last_reply.text
    await alice.send_document((FIXTURES / "fitnotes.csv").read_bytes(), "fitnotes.csv")
    review = alice.last_reply
    assert "FitNotes export" in review.text
    assert "2 workouts, 6 sets" in review.text
    assert "Overhead Press (Each Side, Dumbbells)" in review.text
    await alice.press("➕ Create the rest")
    await alice.press("✅ Import")
    assert "2 workouts, 6 sets" in alice.last_reply.text
    assert await import_counts(session_factory) == (3, 9)


async def test_the_same_file_twice_adds_nothing(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    await alice.send_document(HEVY, "hevy.csv", "text/csv")
    await alice.press("✅ Import")
    assert await import_counts(session_factory) == (1, 3)
    await alice.send_document(HEVY, "hevy.csv", "text/csv")
    assert "1 workout is already here" in alice.last_reply.text
    await alice.press("✅ Import")
    assert "already in Spotter" in alice.last_reply.text
    assert await import_counts(session_factory) == (1, 3)


async def test_a_big_import_shows_its_progress_by_editing_the_message(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    rows = [
        f"2025-01-{day:02d} 18:00:00,Day {day},1h,Squat (Barbell),{n},100,5,0,0,,,"
        for day in range(1, 29)
        for n in range(1, 31)
    ]
    await alice.send_document((HEADER + "\n".join(rows)).encode(), "strong.csv")
    await alice.press("✅ kg")
    review = alice.last_reply
    sim.api.reset_calls()
    (done,) = await alice.press("✅ Import")
    assert done.message_id == review.message_id
    edits = [c.params["text"] for c in sim.api.calls_to("editMessageText")]
    assert edits[0] == "⏳ Importing… 0 of 840 sets stored (0%)."
    assert "⏳ Importing… 180 of 840 sets stored (21%)." in edits
    assert "Imported</b> into your own history: 28 workouts, 840 sets" in edits[-1]


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
    assert "None of the other 5 rows can be read either." in alice.last_reply.text
    assert await import_counts(session_factory) == (0, 0)


async def test_oversized_file_is_refused_without_downloading(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    big = STRONG + b"\n" * (5 * 1024 * 1024)
    await alice.send_document(big, "strong.csv", "text/csv")
    assert "I can import files up to 5 MB" in alice.last_reply.text
    assert await import_counts(session_factory) == (0, 0)


async def test_cancel_in_the_middle_stores_nothing_and_leaves_stale_buttons(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    await alice.send_document(STRONG, "strong.csv", "text/csv")
    create = data_of(alice.last_reply, "➕ Create the rest")
    await alice.send("/cancel")
    assert "Cancelled" in alice.last_reply.text
    for data in (create, "im:go"):
        await alice.press_data(data)
        assert alice.last_answer is not None
        assert "no longer open" in alice.last_answer
    assert await import_counts(session_factory) == (0, 0)


async def test_forged_and_old_buttons_change_nothing(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    await alice.send_document(STRONG, "strong.csv", "text/csv")
    old_create = data_of(alice.last_reply, "➕ Create the rest")
    await alice.send_document(strong("Frog Hop", "Squat (Barbell)"), "strong.csv", "text/csv")
    (review,) = await alice.press("✅ kg")
    token = ImportButton.decode(data_of(review, "✏️ Change a name"))
    assert token is not None
    # A button of the earlier review belongs to another import.
    await alice.press_data(old_create, message_id=review.message_id)
    assert alice.last_answer is not None
    assert "no longer open" in alice.last_answer
    # Made-up buttons: a name that is not in the file, an exercise not offered, nonsense.
    for forged, answer in (
        (f"im:n:{token.token}:99", "not one I offered"),
        (f"im:c:{token.token}:0:999999", "not one I offered"),
        (f"im:c:{token.token}:0", "no longer open"),
        (f"im:go:{token.token}", "Settle every exercise name first"),
        (f"im:u:{token.token}:kg", "no longer open"),
        ("im:zz:x", "no longer open"),
    ):
        await alice.press_data(forged, message_id=review.message_id)
        assert alice.last_answer is not None
        assert answer in alice.last_answer, forged
    assert "Frog Hop: new, not decided yet" in alice.last_reply.text
    assert await import_counts(session_factory) == (0, 0)
    assert len(ImportButton(token.act, token.token, (499, 123456789)).encode()) <= 64


async def test_trainer_imports_for_a_client_who_is_told(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom_user = await make_user(session_factory, TOM, "Tom", trainer=True)
    alice_user = await make_user(session_factory, ALICE, "Alice", client=True)
    coaching = await make_coaching(session_factory, tom_user, alice_user)
    tom, alice = sim.user(TOM, "Tom"), sim.user(ALICE, "Alice")
    await tom.send_document(STRONG, "strong.csv", "text/csv")
    # Only one possible target: straight to the review.
    assert "into Alice" in tom.last_reply.text
    await tom.press("✏️ Change a name")
    await tom.press("2. Zottman Wiggle")
    await tom.press("Skip these sets")
    assert "2. Zottman Wiggle: skipped (1 set)" in tom.last_reply.text
    await tom.press("⬅️ Back to the summary")
    await tom.press("✅ Import")
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
    assert await import_counts(session_factory) == (2, 5)


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
    mine = ImportButton.decode(data_of(tom.last_reply, "🙋 My own history"))
    assert mine is not None
    await tom.press_data(f"im:for:{mine.token}:999999")
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


async def test_a_long_history_imports_in_a_handful_of_taps(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    """About 6,000 sets over 120 exercise names (the apps' standard names, misspellings and
    names of the person's own): unit, Accept all, Create the rest, Import. Every set is stored,
    each on the exercise the review showed."""
    await make_user(session_factory, ALICE, "Alice", client=True)
    alice = sim.user(ALICE, "Alice")
    standard = [group[0] for group in list(APP_NAMES.values())[:80]]
    misspelt = ["Incline Barbel Bench Pres", "Seated Cabel Row", "Pendlay Rowe", "Goblet Squatt"]
    own = [f"Gym Special {n}" for n in range(1, 37)]
    names = standard + misspelt + own
    rows = []
    for number in range(200):
        day = f"2023-{1 + number // 28:02d}-{1 + number % 28:02d} 07:00:00"
        for offset in range(10):
            name = names[(number * 10 + offset) % len(names)]
            rows += [f"{day},W{number},1h,{name},{n},60,8,0,0,,," for n in range(1, 4)]
    await alice.send_document((HEADER + "\n".join(rows)).encode(), "strong.csv")
    (review,) = await alice.press("✅ kg")
    assert "200 workouts, 6,000 sets" in review.text
    assert "120 exercises: 80 matched exactly, 4 with a suggestion, 36 new" in review.text
    await alice.press("💡 Accept all suggestions")
    await alice.press("➕ Create the rest")
    (done,) = await alice.press("✅ Import")
    assert "Imported into your own history: 200 workouts, 6,000 sets" in done.text
    assert "New exercises of your own (36)" in done.text
    stored = await _stored_names(session_factory)
    assert len(stored) == 6000
    assert "Incline Barbell Bench Press" in stored
    assert "Gym Special 36" in stored
