"""/exercises: search and open the catalogue, add, list and archive a trainer's own exercises."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from coaching.clock import ManualClock
from coaching.domain.catalogue import CATEGORIES, MUSCLE_GROUPS
from coaching.domain.enums import Difficulty
from conversations.exercises import CATEGORY_ORDER, MUSCLE_ORDER
from storage.models import Exercise, User
from tests.conftest import make_sim, restarted
from tests.factories import onboard
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator, SimUser

Factory = async_sessionmaker[AsyncSession]
BENCH = "Barbell Bench Press"
NOT_FOUND = "I can't find that exercise in your catalogue."
EXPIRED = "This button has expired. Send /exercises to start again."


async def _own_rows(factory: Factory, owner_telegram_id: int) -> list[Exercise]:
    async with factory() as session:
        found = await session.execute(
            select(Exercise)
            .join(User, User.id == Exercise.owner_user_id)
            .where(User.telegram_id == owner_telegram_id)
            .order_by(Exercise.name)
        )
        return list(found.scalars())


async def _add_rows(factory: Factory, owner_telegram_id: int, names: list[str]) -> list[int]:
    async with factory() as session:
        owner = (
            await session.execute(select(User.id).where(User.telegram_id == owner_telegram_id))
        ).scalar_one()
        rows = [
            Exercise(
                owner_user_id=owner,
                name=name,
                category="other",
                muscle_groups=["core"],
                equipment=[],
                aliases=[],
                created_by=owner,
            )
            for name in names
        ]
        session.add_all(rows)
        await session.commit()
        return [row.id for row in rows]


async def _builtin_id(factory: Factory, name: str) -> int:
    async with factory() as session:
        found = await session.execute(
            select(Exercise.id).where(Exercise.name == name, Exercise.owner_user_id.is_(None))
        )
        return found.scalar_one()


async def _to_name_step(tom: SimUser) -> None:
    await tom.send("/exercises")
    await tom.press("Add my own")
    assert "What is it called?" in tom.last_reply.text


def test_the_flow_offers_the_whole_vocabulary() -> None:
    assert set(CATEGORY_ORDER) == CATEGORIES
    assert set(MUSCLE_ORDER) == MUSCLE_GROUPS


async def test_search_and_open_a_built_in(sim: ChatSimulator) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await tom.send("/exercises")
    assert "Exercise catalogue" in tom.last_reply.text
    assert "plus your own (0)" in tom.last_reply.text
    await tom.send("bench")
    results = tom.last_reply
    assert "Matches for “bench”" in results.text
    assert f"1. {BENCH}\n    Barbell · chest, triceps, shoulders · barbell, plates, bench" in (
        results.text
    )
    assert results.flat_buttons[0] == f"1. {BENCH}"
    assert len([b for b in results.flat_buttons if b[0].isdigit()]) <= 8
    await tom.press(f"1. {BENCH}")
    assert tom.last_reply.message_id == results.message_id, "the bot edits its own message"
    view = tom.last_reply.text
    assert f"{BENCH} (built-in)" in view
    for line in (
        "Category: Barbell",
        "Muscles: Chest, Triceps, Shoulders",
        "Equipment: barbell, plates, bench, squat rack",
        "Difficulty: Intermediate",
        "Sets recorded as: weight × reps",
    ):
        assert line in view
    assert not any("Archive" in b for b in tom.last_reply.flat_buttons)
    await tom.press("Back to results")
    assert "Matches for “bench”" in tom.last_reply.text
    await tom.send("deadlfit")
    assert "Deadlift" in tom.last_reply.text, "typos still find it"
    await tom.send("qqqzzzxx")
    assert "No exercise matches “qqqzzzxx”" in tom.last_reply.text
    await tom.press("Catalogue")
    assert "Exercise catalogue" in tom.last_reply.text


async def test_add_your_own_step_by_step(sim: ChatSimulator, session_factory: Factory) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await _to_name_step(tom)
    await tom.send("Prowler sprint")
    assert "Prowler sprint · step 2 of 6" in tom.last_reply.text
    await tom.press("Other")
    assert "Which muscle groups" in tom.last_reply.text
    await tom.press("Quads")
    await tom.press("Glutes")
    assert {"✅ Quads", "✅ Glutes"} <= set(tom.last_reply.flat_buttons)
    await tom.press("Calves")
    await tom.press("✅ Calves")
    assert "Calves" in tom.last_reply.flat_buttons
    await tom.press("Next ▶")
    assert "What equipment" in tom.last_reply.text
    await tom.send("prowler, harness, prowler")
    assert "How hard is it to learn?" in tom.last_reply.text
    await tom.press("Intermediate")
    assert "How are its sets recorded?" in tom.last_reply.text
    await tom.press("Distance and time")
    text = tom.last_reply.text
    assert "✅ Added Prowler sprint to your exercises." in text
    for line in (
        "Prowler sprint (⭐ your own)",
        "Category: Other",
        "Muscles: Quads, Glutes",
        "Equipment: prowler, harness",
        "Difficulty: Intermediate",
        "Sets recorded as: distance and time",
    ):
        assert line in text
    [row] = await _own_rows(session_factory, 1)
    assert (row.name, row.category, row.muscle_groups, row.equipment) == (
        "Prowler sprint",
        "other",
        ["quads", "glutes"],
        ["prowler", "harness"],
    )
    assert (row.difficulty, row.measure, row.is_active) == (
        Difficulty.INTERMEDIATE,
        "distance_time",
        True,
    )
    await tom.send("prowler")
    assert "Prowler sprint ⭐" in tom.last_reply.text
    await tom.press("My exercises")
    assert "Your exercises (1)" in tom.last_reply.text
    assert "Prowler sprint — Other · quads, glutes · prowler, harness" in tom.last_reply.text


async def test_an_empty_search_offers_to_add_the_name(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await tom.send("/exercises")
    await tom.send("Sandbag shouldering")
    await tom.press("Add “Sandbag shouldering” as my own")
    assert "Sandbag shouldering · step 2 of 6" in tom.last_reply.text
    await tom.press("Dumbbell")
    await tom.send("biceps; forearms")
    await tom.press("None")
    await tom.press("Beginner")
    await tom.press("Weight × reps")
    [row] = await _own_rows(session_factory, 1)
    assert (row.name, row.category, row.muscle_groups, row.equipment) == (
        "Sandbag shouldering",
        "dumbbell",
        ["biceps", "forearms"],
        [],
    )


async def test_bad_input_at_each_step_stays_there(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await _to_name_step(tom)
    await tom.send("x")
    assert "An exercise name needs 2 to 100 characters" in tom.last_reply.text
    assert "For example: Sled push" in tom.last_reply.text
    assert "step 1 of 6" in tom.last_reply.text
    await tom.send("12345")
    assert "with letters" in tom.last_reply.text
    await tom.send("barbell bench presses")
    assert "“Barbell Bench Press” is already in the built-in catalogue" in tom.last_reply.text
    assert "step 1 of 6" in tom.last_reply.text
    await tom.send("Pallof hold")
    await tom.send("wood")
    assert "Please tap one of the buttons below" in tom.last_reply.text
    assert "step 2 of 6" in tom.last_reply.text
    await tom.send("band")
    assert "step 3 of 6" in tom.last_reply.text
    await tom.press("Next ▶")
    assert "Pick at least one muscle group" in tom.last_reply.text
    await tom.send("core, wings")
    assert "I don't know the muscle group “wings”" in tom.last_reply.text
    assert "For example: quads, glutes" in tom.last_reply.text
    await tom.send(", ,")
    assert "Pick at least one muscle group" in tom.last_reply.text
    await tom.send("core, full body")
    assert "step 4 of 6" in tom.last_reply.text
    await tom.send(", ".join(f"item {n}" for n in range(11)))
    assert "That is 11 items; list at most 10." in tom.last_reply.text
    await tom.send("a" * 41)
    assert "under 40 characters" in tom.last_reply.text
    await tom.send("123, 456")
    assert "is not a piece of equipment" in tom.last_reply.text
    assert "step 4 of 6" in tom.last_reply.text
    await tom.send("none")
    await tom.send("hard")
    assert "type one of: beginner, intermediate, advanced" in tom.last_reply.text
    await tom.send("Advanced")
    await tom.send("miles")
    assert "step 6 of 6" in tom.last_reply.text
    assert await _own_rows(session_factory, 1) == []
    await tom.send("time")
    [row] = await _own_rows(session_factory, 1)
    assert (row.name, row.category, row.muscle_groups, row.equipment, row.measure) == (
        "Pallof hold",
        "band",
        ["core", "full_body"],
        [],
        "time",
    )
    await tom.press("Catalogue")
    await tom.press("Add my own")
    await tom.send("pallof  HOLD")
    assert "You already have an exercise called “Pallof hold”" in tom.last_reply.text
    assert "step 1 of 6" in tom.last_reply.text
    assert len(await _own_rows(session_factory, 1)) == 1


async def test_cancel_stores_nothing_and_old_buttons_expire(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await _to_name_step(tom)
    await tom.send("Prowler sprint")
    await tom.press("Other")
    await tom.press("Quads")
    await tom.press("Next ▶")
    await tom.send("/cancel")
    assert "Cancelled" in tom.last_reply.text
    await tom.send("prowler")
    assert "not expecting a message" in tom.last_reply.text
    await tom.press_data("ex:cat:barbell")
    assert tom.last_answer_alert
    assert tom.last_answer == EXPIRED
    for data in ("ex:eq:none", "ex:df:beginner", "ex:ms:time", "ex:mg:0", "ex:mgd", "ex:newq"):
        await tom.press_data(data)
        assert tom.last_answer == EXPIRED, data
    assert await _own_rows(session_factory, 1) == []
    # A button of an earlier step while a later one is open is stale too.
    await _to_name_step(tom)
    await tom.send("Prowler sprint")
    await tom.press("Other")
    await tom.press_data("ex:cat:barbell")
    assert tom.last_answer == EXPIRED
    await tom.press_data("ex:ms:weight_reps")
    assert tom.last_answer == EXPIRED
    await tom.press("Quads")
    await tom.press_data("ex:mg:99")
    assert tom.last_answer == EXPIRED
    assert await _own_rows(session_factory, 1) == []


async def test_own_list_pages_by_eight_and_archive(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    names = [f"Drill {letter}" for letter in "ABCDEFGHI"]
    ids = await _add_rows(session_factory, 1, names)
    await tom.send("/exercises")
    assert "plus your own (9)" in tom.last_reply.text
    await tom.press("My exercises")
    assert "Your exercises (9)" in tom.last_reply.text
    assert "Page 1 of 2" in tom.last_reply.text
    assert [b for b in tom.last_reply.flat_buttons if b.startswith("Drill")] == names[:8]
    await tom.press("Next ▶️")
    assert "Page 2 of 2" in tom.last_reply.text
    assert [b for b in tom.last_reply.flat_buttons if b.startswith("Drill")] == ["Drill I"]
    await tom.press("Drill I")
    await tom.press("Archive")
    assert "Archive Drill I?" in tom.last_reply.text
    await tom.press("Keep it")
    assert "Drill I (⭐ your own)" in tom.last_reply.text
    await tom.press("Archive")
    await tom.press("Yes, archive")
    assert "📦 Archived Drill I." in tom.last_reply.text
    assert "Your exercises (8)" in tom.last_reply.text
    assert "Page 1 of 2" not in tom.last_reply.text
    rows = {row.id: row.is_active for row in await _own_rows(session_factory, 1)}
    assert rows[ids[-1]] is False
    assert sum(rows.values()) == 8
    await tom.send("drill i")
    assert "Drill I ⭐" not in tom.last_reply.text
    await tom.press_data(f"ex:v:{ids[-1]}")
    assert tom.last_answer == NOT_FOUND, "an archived exercise is gone from the catalogue"
    await tom.press_data(f"ex:arcy:{ids[-1]}")
    assert tom.last_answer == NOT_FOUND


async def test_forged_presses_touch_nothing(sim: ChatSimulator, session_factory: Factory) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await onboard(sim, 3, "Olga", "trainer")
    [olgas] = await _add_rows(session_factory, 3, ["Olga's secret drill"])
    bench = await _builtin_id(session_factory, BENCH)
    await tom.send("/exercises")
    for data in (f"ex:v:{olgas}", f"ex:arc:{olgas}", f"ex:arcy:{olgas}", f"ex:arcy:{bench}"):
        await tom.press_data(data)
        assert tom.last_answer_alert, data
        assert tom.last_answer == NOT_FOUND, data
    await tom.press_data(f"ex:arc:{bench}")
    assert tom.last_answer == "Built-in exercises can't be archived; only your own."
    for data in ("ex:v:abc", "ex:v:", "ex:mine:x", "ex:arc:-1", "ex:nope", "ex:res:1"):
        await tom.press_data(data)
        assert tom.last_answer == EXPIRED, data
    await tom.send("secret drill")
    assert "Olga" not in tom.last_reply.text
    [olgas_row] = await _own_rows(session_factory, 3)
    assert olgas_row.is_active
    async with session_factory() as session:
        builtin = await session.get(Exercise, bench)
        assert builtin is not None
        assert builtin.is_active


async def test_clients_are_refused(sim: ChatSimulator, session_factory: Factory) -> None:
    await onboard(sim, 1, "Tom", "trainer")
    alice = await onboard(sim, 2, "Alice", "client")
    bench = await _builtin_id(session_factory, BENCH)
    await alice.send("/exercises")
    assert "/exercises is for trainers" in alice.last_reply.text
    await alice.send("bench")
    assert "Matches" not in alice.last_reply.text
    for data in (f"ex:v:{bench}", "ex:new", "ex:mine:0", "ex:home", f"ex:arcy:{bench}"):
        await alice.press_data(data)
        assert "/exercises is for trainers" in alice.last_reply.text, data
        assert alice.last_reply.flat_buttons == ["🏋️ Become a trainer too"], data
    async with session_factory() as session:
        count = len((await session.execute(select(Exercise.id))).scalars().all())
    assert count > 200


async def test_a_restart_resumes_adding_and_a_replay_adds_once(
    settings: Settings,
    engine: AsyncEngine,
    clock: ManualClock,
    api: FakeBotAPI,
    sim: ChatSimulator,
    session_factory: Factory,
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await _to_name_step(tom)
    await tom.send("Prowler sprint")
    await tom.press("Other")
    await tom.press("Quads")
    async with restarted(settings, api, engine, clock) as app2:
        sim2 = make_sim(app2, api)
        tom2 = sim2.user(1, "Tom")
        await tom2.press("Next ▶")
        assert "step 4 of 6" in tom2.last_reply.text
        await tom2.send("prowler")
        await tom2.press("Advanced")
        await tom2.press("Distance and time")
        assert "Added Prowler sprint" in tom2.last_reply.text
        assert sim2.last_update is not None
        await sim2.replay(sim2.last_update)
    [row] = await _own_rows(session_factory, 1)
    assert (row.name, row.muscle_groups, row.equipment) == (
        "Prowler sprint",
        ["quads"],
        ["prowler"],
    )
