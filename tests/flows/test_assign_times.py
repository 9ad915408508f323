"""/assign's time step: one time for all training days, or a time per day."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.persistence import SqlPersistence
from coaching.clock import ManualClock
from tests.conftest import make_sim, restarted
from tests.factories import assign_setup, assignments, sessions, to_time_step
from tests.fakes import FakeBotAPI
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]

PER_DAY = "Mon 07:00, Wed 18:30, Fri 07:00"


async def scheduled(factory: Factory) -> list[datetime]:
    return [row.scheduled_at.astimezone(UTC) for row in await sessions(factory)]


async def test_a_time_per_training_day(sim: ChatSimulator, session_factory: Factory) -> None:
    await assign_setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await to_time_step(alice)
    asked = alice.last_reply.text
    assert "One time for all training days, e.g. 07:00, 7am or 18:30" in asked
    assert "Or a time per day, e.g. mon 07:00, wed 18:30, fri 07:00" in asked

    await alice.send("mon 7:00, WEDNESDAY 18:30, fri 7am")
    text = alice.last_reply.text
    assert f"Starts Mon 30 Nov · {PER_DAY}\n" in text
    assert "W1 S1 Lower A — Mon 30 Nov 07:00 (yours: Mon 30 Nov 12:00)" in text
    assert "W1 S2 Upper A — Wed 2 Dec 18:30 (yours: Wed 2 Dec 23:30)" in text
    assert "W1 S3 Lower B — Fri 4 Dec 07:00 (yours: Fri 4 Dec 12:00)" in text
    assert await assignments(session_factory) == [], "nothing is stored before ✅ Assign"

    await alice.press("✅ Assign")
    assert "Strength Base is assigned to Bob: 6 sessions from Mon 30 Nov" in alice.last_reply.text
    notice = bob.last_reply.text
    assert f"6 sessions, {PER_DAY}, from Mon 30 Nov to Fri 11 Dec." in notice
    assert "• W1 S2 Upper A — Wed 2 Dec 18:30" in notice

    (stored,) = await assignments(session_factory)
    assert stored.training_days == [[0, "07:00"], [2, "18:30"], [4, "07:00"]]
    # Bob's New York wall times, stored in UTC (UTC-5 in winter).
    assert await scheduled(session_factory) == [
        datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 2, 23, 30, tzinfo=UTC),
        datetime(2026, 12, 4, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 7, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 9, 23, 30, tzinfo=UTC),
        datetime(2026, 12, 11, 12, 0, tzinfo=UTC),
    ]

    await alice.send("/assign")
    await alice.press("Current assignments")
    await alice.press("Bob · Strength Base (assigned)")
    assert f"Mon 30 Nov – Fri 11 Dec · {PER_DAY}" in alice.last_reply.text
    await alice.press("Shift schedule")
    await alice.press("+1")
    assert "Tue 07:00, Thu 18:30, Sat 07:00" in alice.last_reply.text
    assert "Thu 3 Dec 18:30" in bob.last_reply.text


async def test_one_time_for_all_days_still_works(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await assign_setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await to_time_step(alice)
    await alice.send("6:30pm")
    assert "Starts Mon 30 Nov · Mon, Wed, Fri at 18:30\n" in alice.last_reply.text
    await alice.press("✅ Assign")
    assert "6 sessions, Mon, Wed, Fri at 18:30, from Mon 30 Nov" in bob.last_reply.text
    (stored,) = await assignments(session_factory)
    assert stored.training_days == [[0, "18:30"], [2, "18:30"], [4, "18:30"]]
    assert {(at.hour, at.minute) for at in await scheduled(session_factory)} == {(23, 30)}
    await alice.send("/assign")
    await alice.press("Current assignments")
    await alice.press("Bob · Strength Base (assigned)")
    assert "Mon 30 Nov – Fri 11 Dec · Mon, Wed, Fri at 18:30" in alice.last_reply.text


async def test_bad_times_are_explained_and_nothing_is_stored(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await assign_setup(session_factory)
    alice = sim.user(1001, "Alice")
    await to_time_step(alice)
    example = "e.g. mon 07:00, wed 18:30, fri 07:00"
    replies = {
        "mon 7am, wed 6pm": f"You gave no time for Friday. Give every training day a time, "
        f"{example}, or one time for all, e.g. 07:00.",
        "mon 7am, tue 6pm, fri 7am": "Tuesday isn't one of the training days you picked "
        f"(Mon, Wed, Fri). Give times for those days, {example}.",
        "mon 7am, wed 25:00, fri 7am": "Wednesday: '25:00' is not a time of day. Use 00:00 to "
        "23:59, e.g. 18:30 or 07:00.",
        "7": "'7' on its own could be morning or evening. Write 07:00, 19:00 or 7pm.",
        "mon 7am, wensday 6pm, fri 7am": "'wensday' is not a day of the week.",
        "07:00, 18:30": "'07:00, 18:30' gives times without days.",
    }
    for typed, expected in replies.items():
        await alice.send(typed)
        assert expected in alice.last_reply.text, typed
        assert alice.last_reply.buttons == [], "no confirm buttons after a bad time"
    assert await assignments(session_factory) == []
    assert await sessions(session_factory) == []

    # Still at the time step: semicolons and new lines separate days too.
    await alice.send("mon 7am;\nwed 18:30\nfri 7:00")
    assert f"Starts Mon 30 Nov · {PER_DAY}" in alice.last_reply.text
    await alice.press("✖️ Cancel")
    assert await assignments(session_factory) == []


async def test_cancel_at_the_time_step(sim: ChatSimulator, session_factory: Factory) -> None:
    await assign_setup(session_factory)
    alice = sim.user(1001, "Alice")
    await to_time_step(alice)
    await alice.send("/cancel")
    assert "Cancelled" in alice.last_reply.text
    await alice.send("mon 7am, wed 18:30, fri 7am")
    assert "Assign Strength Base to Bob?" not in alice.last_reply.text
    assert await assignments(session_factory) == []
    assert await sessions(session_factory) == []


async def test_a_flow_left_open_across_a_deploy_still_confirms(
    settings: Settings,
    engine: AsyncEngine,
    clock: ManualClock,
    api: FakeBotAPI,
    sim: ChatSimulator,
    session_factory: Factory,
) -> None:
    """The bot restarts between the time and the confirmation. The first case keeps per-day
    times; the second holds a step stored by the version with one "at" for all days."""
    await assign_setup(session_factory)
    alice = sim.user(1001, "Alice")
    await to_time_step(alice)
    await alice.send("mon 7am, wed 18:30, fri 7am")

    async with restarted(settings, api, engine, clock) as app2:
        alice2 = make_sim(app2, api).user(1001, "Alice")
        await alice2.press("✅ Assign")
        assert "is assigned to Bob" in alice2.last_reply.text
    (stored,) = await assignments(session_factory)
    assert stored.training_days == [[0, "07:00"], [2, "18:30"], [4, "07:00"]]

    # The same step as the earlier version stored it: {"days": [...], "at": "HH:MM"}.
    await to_time_step(alice)
    await alice.send("18:00")
    persistence = SqlPersistence(session_factory)
    data = copy.deepcopy((await persistence.get_user_data())[1001])
    step = data["assign"]
    assert step.pop("times") == [[0, "18:00"], [2, "18:00"], [4, "18:00"]]
    step["at"] = "06:30"
    await persistence.update_user_data(1001, data)
    async with restarted(settings, api, engine, clock) as old:
        alice3 = make_sim(old, api).user(1001, "Alice")
        await alice3.press("✅ Assign")
        assert "is assigned to Bob" in alice3.last_reply.text
    _, second = sorted(await assignments(session_factory), key=lambda a: a.id)
    assert second.training_days == [[0, "06:30"], [2, "06:30"], [4, "06:30"]]
