"""Example dates in prompts are computed from today, and labels don't nest brackets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from coaching.clock import ManualClock
from coaching.domain.enums import RelationshipType
from coaching.domain.when import WhenError, example_day, parse_local_date, parse_when
from storage.models import Invite, Relationship
from tests.factories import (
    LEG_DAY,
    Factory,
    create_client,
    make_coaching,
    make_user,
    onboard,
    setup_workout,
)
from tests.fakes.chat import ChatSimulator

SEVENTH_DECEMBER = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_example_day_is_always_ahead() -> None:
    day = date(2026, 1, 1)
    while day < date(2028, 1, 1):
        example = example_day(day)
        assert example.day == 1
        assert example - day >= timedelta(days=4), day
        day += timedelta(days=1)
    assert example_day(date(2026, 12, 7)) == date(2027, 1, 1)


@pytest.mark.parametrize(
    "text",
    ["", "someday", "31/12 7pm", "2026-02-30 18:00", "next week 55"],
)
def test_when_errors_quote_a_future_date(text: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text, now=SEVENTH_DECEMBER, tz="UTC")
    message = str(caught.value)
    assert "2026-12-01" not in message
    assert "2027-01-01" in message, message


def test_date_errors_quote_a_future_date() -> None:
    for text in ("", "7pm", "someday"):
        with pytest.raises(WhenError) as caught:
            parse_local_date(text, today=SEVENTH_DECEMBER.date(), allow_past=False)
        assert "'2027-01-01'" in str(caught.value)
        assert "2026-12-01" not in str(caught.value)


async def test_extend_and_certificate_prompts_quote_dates_from_today(
    sim: ChatSimulator, clock: ManualClock, session_factory: Factory
) -> None:
    clock.set(SEVENTH_DECEMBER)
    tara = await make_user(session_factory, 1001, "Tara", trainer=True)
    ivy = await make_user(session_factory, 2001, "Ivy", client=True)
    await make_coaching(session_factory, tara, ivy, name="Ivy Stone")
    chat = sim.user(1001, "Tara")
    await chat.send("/clients")
    await chat.press("Ivy Stone")
    await chat.press("📅 Extend")
    assert "For example: 2027-03-01" in chat.last_reply.text
    await chat.send("/cancel")
    await chat.send("/profile")
    await chat.press("Certificates")
    await chat.press("Add certificate")
    await chat.send("NASM CPT")
    await chat.send("NASM")
    assert "When did you obtain it? e.g. 2024-12-01" in chat.last_reply.text
    await chat.send("2024-05-01")
    assert "When does it expire? e.g. 2028-12-01" in chat.last_reply.text
    await chat.send("someday")
    assert "When does it expire? e.g. 2028-12-01" in chat.last_reply.text


async def test_hybrid_coaching_reads_without_nested_brackets(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    payload = await create_client(tom, "Cleo Smith")
    async with session_factory() as session:
        await session.execute(
            update(Relationship).values(relationship_type=RelationshipType.HYBRID)
        )
        await session.execute(update(Invite).values(relationship_type=RelationshipType.HYBRID))
        await session.commit()
    cleo = sim.user(2, "Cleo")
    await cleo.send(f"/start {payload}")
    text = cleo.last_reply.text
    assert "invites you to train with them on Spotter (hybrid: in person and online)" in text
    assert "((" not in text
    assert "))" not in text


async def test_a_single_workout_prompt_quotes_a_date_from_today(
    sim: ChatSimulator, clock: ManualClock, session_factory: Factory
) -> None:
    clock.set(SEVENTH_DECEMBER)
    await setup_workout(session_factory)
    alice = sim.user(1001, "Alice")
    await alice.send("/workout")
    await alice.press("Bob")
    await alice.press("➕ New workout")
    await alice.send(LEG_DAY)
    assert "When does Bob do Leg day?" in alice.last_reply.text
    assert "or 2027-01-01 07:30." in alice.last_reply.text, "the example lies ahead"
    assert "2026-12-10" not in alice.last_reply.text
