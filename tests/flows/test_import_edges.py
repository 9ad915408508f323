"""Imports tried the way people really break them: files that are not exports, files re-saved
by a spreadsheet or written in UTF-16, the same rows or file twice, /cancel at every step, a
review button left over from before a restart; and the library upload read off the event loop.
Each gets a clear answer with an example, and nothing is half-stored."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import coaching.services.exports as exports
from bot.config import Settings
from coaching.clock import ManualClock
from coaching.services.offload import WorkerPool
from storage.models import ExerciseRecord, SessionTemplate, SetRecord
from tests.conftest import make_sim, restarted
from tests.factories import import_counts as _counts
from tests.factories import make_coaching, make_user
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]
T = TypeVar("T")
ALICE, TOM = 2001, 1001
FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"
LIBRARY = (
    b'{"format":"spotter-library","version":1,"templates":[{"name":"Push",'
    b'"exercises":[{"name":"Barbell Bench Press","slug":"barbell-bench-press",'
    b'"target_sets":3}]}],"programs":[]}'
)


class _Watched(WorkerPool):
    """A worker pool that notes what it was given to run."""

    def __init__(self) -> None:
        super().__init__("watched")
        self.ran: list[str] = []

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        self.ran.append(function.__name__)
        return await super().run(function, *args)


async def test_library_upload_is_read_off_the_event_loop_with_the_same_replies(
    sim: ChatSimulator, session_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_user(session_factory, TOM, "Tom", trainer=True)
    tom = sim.user(TOM, "Tom")
    pool = _Watched()
    monkeypatch.setattr(exports, "FILES", pool)
    try:
        await tom.send_document(LIBRARY, "library.json", "application/json")
        assert tom.last_reply.text == (
            "✅ Imported 1 template and 0 programs into your library.\n"
            "See them in /templates and /programs."
        )
        await tom.send_document(
            b'{"format":"spotter-library","version":1,"templates":[{}]}', "l.json"
        )
        assert tom.last_reply.text.startswith(
            "❌ I can't import this file. the library file is wrong at templates → 0 → name"
        )
        assert "Nothing was stored." in tom.last_reply.text
        assert pool.ran == ["read_library", "read_library"], "read in a worker process"
        assert pool.started
    finally:
        pool.close()
    async with session_factory() as session:
        stored = await session.execute(select(func.count(SessionTemplate.id)))
        assert stored.scalar_one() == 1


HEADER = (
    "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,"
    "Workout Notes,RPE\n"
)
ROW = "2025-02-01 18:00:00,Session,1h,Squat (Barbell),1,62.5,10,0,0,,,\n"
FILE_HINT = "Export your history from Strong (Settings → Export data)"


async def _alice(sim: ChatSimulator, session_factory: Factory) -> Any:
    await make_user(session_factory, ALICE, "Alice", client=True)
    return sim.user(ALICE, "Alice")


@pytest.mark.parametrize(
    ("data", "name", "said"),
    [
        (b"", "strong.csv", "the file is empty. " + FILE_HINT),
        (b"\n\n  \r\n", "strong.csv", "the file is empty. " + FILE_HINT),
        (HEADER.encode(), "strong.csv", "the file has column names but no sets in it."),
        (bytes(range(256)) * 40, "strong.csv", "this is not a CSV text file. " + FILE_HINT),
        (b"\x89PNG\r\n\x1a\n" + b"\xff\xd8" * 500, "photo.csv", "this is not a Strong, Hevy"),
        (b"PK\x03\x04" + b"\x00" * 300, "workouts.xlsx", "this is not a CSV text file."),
    ],
    ids=["empty", "blank lines", "only a header", "binary", "image", "spreadsheet"],
)
async def test_files_that_are_not_exports_get_a_clear_answer_and_store_nothing(
    sim: ChatSimulator, session_factory: Factory, data: bytes, name: str, said: str
) -> None:
    alice = await _alice(sim, session_factory)
    await alice.send_document(data, name, "text/csv")
    reply = alice.last_reply.text
    assert reply.startswith("❌ I can't import this file. ")
    assert said in reply
    assert "Nothing was stored." in reply
    assert alice.last_reply.flat_buttons == []
    assert await _counts(session_factory) == (0, 0)


async def test_a_utf16_export_imports_like_any_other(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    alice = await _alice(sim, session_factory)
    text = HEADER + ROW + ROW.replace(",1,62.5,", ",2,65,")
    for encoded in (text.encode("utf-16"), text.encode("utf-16-le")):
        await alice.send_document(encoded, "strong.csv", "text/csv")
        assert "Were these weights in kg or lb?" in alice.last_reply.text
        (review,) = await alice.press("✅ kg")
        assert "1 workout, 2 sets" in review.text
        assert "1 exercise: 1 matched exactly" in review.text
        await alice.press("✅ Import")
    assert "Imported into your own history: 1 workout, 2 sets" not in alice.last_reply.text
    assert "already in Spotter" in alice.last_reply.text, "the second copy adds nothing"
    assert await _counts(session_factory) == (1, 2)
    async with session_factory() as session:
        weights = await session.execute(select(SetRecord.weight_kg).order_by(SetRecord.id))
        assert list(weights.scalars()) == [Decimal("62.5"), Decimal("65")]


async def test_a_file_saved_by_excel_with_semicolons_and_decimal_commas(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    """Excel (in a comma-decimal locale) writes ``;`` between cells and ``62,5``; when it
    keeps the dates the file imports, when it re-writes them the person is told why."""
    alice = await _alice(sim, session_factory)
    header = HEADER.replace(",", ";")
    rows = "2025-02-01 18:00:00;Session;1h;Squat (Barbell);1;62,5;10;0;0;;;\r\n"
    await alice.send_document((header + rows).encode("cp1252"), "strong.csv")
    await alice.press("✅ kg")
    await alice.press("✅ Import")
    assert "Imported into your own history: 1 workout, 1 set" in alice.last_reply.text
    async with session_factory() as session:
        weight = await session.execute(select(SetRecord.weight_kg))
        assert weight.scalar_one() == Decimal("62.5")

    respelt = rows.replace("2025-02-01 18:00:00", "01/02/2025 18:00")
    await alice.send_document((header + respelt * 3).encode("utf-8-sig"), "strong.csv")
    reply = alice.last_reply.text
    assert "Line 2: the date “01/02/2025 18:00” is not a date and time like 2026-11-20" in reply
    assert "None of the other 2 rows can be read either." in reply
    assert "The dates look changed by a spreadsheet program" in reply
    assert await _counts(session_factory) == (1, 1)


async def test_a_two_megabyte_file_of_one_row_repeated_stores_that_set_once(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    alice = await _alice(sim, session_factory)
    data = (HEADER + ROW * 33_000).encode()
    assert len(data) > 2 * 1024 * 1024
    await alice.send_document(data, "strong.csv", "text/csv")
    (review,) = await alice.press("✅ kg")
    assert "1 workout, 1 set" in review.text
    assert "32,999 sets written twice in the same workout, kept once" in review.text
    (done,) = await alice.press("✅ Import")
    assert "1 workout, 1 set." in done.text
    assert await _counts(session_factory) == (1, 1)


async def test_repeated_rows_and_workouts_in_one_file_are_stored_once(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    """A row written twice (the same numbered set) is kept once; a workout written twice (two
    exports pasted together) is stored once; sets that only look alike are all kept."""
    alice = await _alice(sim, session_factory)
    monday = (
        "2025-02-03 18:00:00,Legs,1h,Squat (Barbell),1,100,5,0,0,,,\n"
        "2025-02-03 18:00:00,Legs,1h,Squat (Barbell),2,100,5,0,0,,,\n"
        "2025-02-03 18:00:00,Legs,1h,Squat (Barbell),2,100,5,0,0,,,\n"
        "2025-02-03 18:00:00,Legs,1h,Squat (Barbell),3,100,5,0,0,,,\n"
    )
    tuesday = "2025-02-04 18:00:00,Arms,1h,Squat (Barbell),1,60,5,0,0,,,\n"
    await alice.send_document((HEADER + monday + tuesday + monday).encode(), "strong.csv")
    (review,) = await alice.press("✅ kg")
    assert "3 workouts, 7 sets" in review.text
    assert "• 1 workout written twice in the file, stored once" in review.text
    assert "• 2 sets written twice in the same workout, kept once" in review.text
    (done,) = await alice.press("✅ Import")
    assert "Imported into your own history: 2 workouts, 4 sets." in done.text
    assert "Stored once 1 workout the file had twice." in done.text
    assert await _counts(session_factory) == (2, 4)


async def test_cancel_at_every_step_stores_nothing(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    alice = await _alice(sim, session_factory)
    bad = ROW.replace(",10,", ",877777,")
    data = (HEADER + ROW + bad + ROW.replace("Squat (Barbell)", "Frog Hop")).encode()
    steps: list[tuple[str, ...]] = [
        (),  # the unit question
        ("✅ kg",),  # unreadable rows
        ("✅ kg", "✅ Import the other"),  # the review
        ("✅ kg", "✅ Import the other", "✏️ Change a name"),  # the list of names
        ("✅ kg", "✅ Import the other", "✏️ Change a name", "2. Frog Hop"),  # one name
    ]
    for presses in steps:
        await alice.send_document(data, "strong.csv", "text/csv")
        for label in presses:
            await alice.press(label)
        screen = alice.last_reply
        await alice.send("/cancel")
        assert "Cancelled" in alice.last_reply.text, presses
        await alice.press_data(screen.button_data[0][0], message_id=screen.message_id)
        assert alice.last_answer is not None
        assert "no longer open" in alice.last_answer, presses
    assert await _counts(session_factory) == (0, 0)


async def test_review_buttons_across_a_restart(
    settings: Settings,
    engine: AsyncEngine,
    clock: ManualClock,
    api: FakeBotAPI,
    sim: ChatSimulator,
    session_factory: Factory,
) -> None:
    """An open review survives a restart; its buttons are stale once it is done or replaced,
    and pressing Import again never stores the file twice."""
    alice = await _alice(sim, session_factory)
    await alice.send_document((HEADER + ROW).encode(), "strong.csv", "text/csv")
    await alice.press("✅ kg")
    review = alice.last_reply
    go = review.button_data[-1][0]

    async with restarted(settings, api, engine, clock) as app2:
        alice2 = make_sim(app2, api).user(ALICE, "Alice")
        await alice2.press_data(go, message_id=review.message_id)
        assert "Imported into your own history: 1 workout, 1 set" in alice2.last_reply.text
    assert await _counts(session_factory) == (1, 1)

    async with restarted(settings, api, engine, clock) as app3:
        alice3 = make_sim(app3, api).user(ALICE, "Alice")
        await alice3.press_data(go, message_id=review.message_id)
        assert alice3.last_answer is not None
        assert "This import is no longer open. Send the file again" in alice3.last_answer
        # A new file's review replaces the old one: the old buttons stay stale.
        await alice3.send_document((HEADER + ROW.replace("18:00", "19:00")).encode(), "s.csv")
        await alice3.press("✅ kg")
        await alice3.press_data(go, message_id=review.message_id)
        assert alice3.last_answer is not None
        assert "no longer open" in alice3.last_answer
    assert await _counts(session_factory) == (1, 1)


async def test_a_trainer_with_many_clients_can_import_for_the_last_one(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom_user = await make_user(session_factory, TOM, "Tom", trainer=True, client=True)
    for n in range(45):
        name = f"Client {n + 1:02d} 🏋️ <b>&amp; {'Very Long Surname ' * 5}"
        client = await make_user(session_factory, 5000 + n, name[:60], client=True)
        await make_coaching(session_factory, tom_user, client, name=name[:60])
    tom = sim.user(TOM, "Tom")
    await tom.send_document((HEADER + ROW).encode(), "strong.csv", "text/csv")
    first = tom.last_reply
    assert first.text == "📥 Strong export received. Whose workout history is it? (page 1 of 5)"
    assert first.flat_buttons[0] == "🙋 My own history"
    assert first.flat_buttons[-1] == "Next ▶️"
    page = first
    for _ in range(4):
        (page,) = await tom.press("Next ▶️", message_id=page.message_id)
        assert all(len(d.encode()) <= 64 for row in page.button_data for d in row)
    assert "(page 5 of 5)" in page.text
    assert page.flat_buttons[-1] == "◀️ Previous"
    last = next(b for b in page.flat_buttons if b.startswith("Client 45"))
    assert len(last) <= 40
    await tom.press(last)
    await tom.press("✅ kg")
    assert "into Client 45 🏋️ <b>&amp; Very Long" in tom.last_reply.text
    await tom.press("✅ Import")
    assert "Imported into Client 45" in tom.last_reply.text
    assert "Tom imported 1 workout (1 set)" in sim.user(5044, "C").last_reply.text
    assert await _counts(session_factory) == (1, 1)


async def test_extreme_files_keep_every_message_within_telegrams_limits(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    """1,000 workouts, 300 exercise names of 100 characters with emoji and markup, and 400
    unreadable rows whose cells are long: every screen fits (the fake Bot API refuses any
    message or button over Telegram's limits), and the lengths are asserted too."""
    alice = await _alice(sim, session_factory)
    names = [f"{n:03d} 💪🏽 <Press> & “Row” " + "Ünïcødé Extension " * 6 for n in range(300)]
    names = [name[:100] for name in names]
    rows = []
    for day in range(1000):
        when = f"{2020 + day // 336}-{1 + day % 336 // 28:02d}-{1 + day % 28:02d} 07:00:00"
        for slot in range(3):
            name = names[(day * 3 + slot) % 300]
            rows.append(f'{when},"🔥 Workout {day} <{"x" * 80}>",1h,"{name}",1,50,5,0,0,,,')
        if day < 400:
            rows.append(f"{when},W,1h,Squat (Barbell),1,{'9' * 25}<&>,5,0,0,,,")
    await alice.send_document((HEADER + "\n".join(rows)).encode(), "strong.csv", "text/csv")
    screens = [alice.last_reply]
    screens += await alice.press("✅ kg")
    assert "400 rows can't be read" in screens[-1].text
    assert "…and 390 more." in screens[-1].text
    screens += await alice.press("✅ Import the other")
    assert "1,000 workouts, 3,000 sets" in screens[-1].text
    screens += await alice.press("✏️ Change a name")
    screens += await alice.press("1. ")
    screens += await alice.press("⬅️ Back to the list")
    screens += await alice.press("⬅️ Back to the summary")
    screens += await alice.press("➕ Create the rest")
    screens += await alice.press("✅ Import")
    assert "Imported into your own history: 1,000 workouts, 3,000 sets" in screens[-1].text
    assert "New exercises of your own (300)" in screens[-1].text
    for screen in screens:
        assert len(screen.text) <= 4096
        assert all(len(d.encode()) <= 64 for row in screen.button_data for d in row)
    await alice.send("/import")
    assert len(alice.last_reply.text) <= 4096
    assert await _counts(session_factory) == (1000, 3000)


async def test_a_hevy_superset_is_stored_as_its_exercises_each_with_its_sets(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    """hevy_kg.csv has a superset whose rows interleave (extension, curl, extension, curl).
    Each exercise is stored once, in the order first done, with its own sets: nothing is
    merged into another lift. The superset's id is not stored."""
    alice = await _alice(sim, session_factory)
    await alice.send_document((FIXTURES / "hevy_kg.csv").read_bytes(), "hevy.csv", "text/csv")
    assert "4 exercises: 3 matched exactly, 1 with a suggestion" in alice.last_reply.text
    await alice.press("💡 Accept all suggestions")
    (done,) = await alice.press("✅ Import")
    assert "Imported into your own history: 1 workout, 8 sets" in done.text
    async with session_factory() as session:
        rows = await session.execute(
            select(ExerciseRecord.exercise_name, SetRecord.reps, SetRecord.set_type)
            .join(SetRecord, SetRecord.exercise_record_id == ExerciseRecord.id)
            .order_by(ExerciseRecord.order_index, SetRecord.set_index)
        )
        stored = [(name, reps, kind.value) for name, reps, kind in rows]
    names = [name for name, _, _ in stored]
    assert names == [names[0]] * 3 + [names[3]] * 2 + [names[5]] * 2 + [names[7]]
    assert len(set(names)) == 4
    assert [(reps, kind) for _, reps, kind in stored[3:7]] == [
        (12, "normal"),
        (10, "failure"),
        (12, "normal"),
        (11, "normal"),
    ]
