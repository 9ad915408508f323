"""The client card shows every stored value as a person writes it, in the viewer's units."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from coaching.domain.enums import Units
from coaching.domain.permissions import PermissionFlags
from storage.models import ClientProfile, Relationship
from tests.factories import Factory, make_coaching, make_user
from tests.fakes.chat import ChatSimulator


async def _ivy(factory: Factory, units: Units) -> int:
    """Tara (in ``units``) coaches Ivy, who shares personal details and has body data."""
    tara = await make_user(factory, 1001, "Tara", trainer=True, units=units)
    ivy = await make_user(factory, 2001, "Ivy", client=True)
    coaching = await make_coaching(
        factory, tara, ivy, name="Ivy Stone", flags=PermissionFlags(view_personal_data=True)
    )
    async with factory() as session:
        profile = await session.get(ClientProfile, coaching.profile.id)
        assert profile is not None
        profile.height_cm = Decimal("182.0")
        profile.current_weight_kg = Decimal("84.00")
        profile.body_fat_pct = Decimal("18.50")
        profile.date_of_birth = date(1990, 5, 17)
        profile.injuries = ["old shoulder strain (2021)"]
        await session.commit()
    return coaching.profile.id


async def test_card_formats_injuries_height_and_weight(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await _ivy(session_factory, Units.KG)
    ivy = sim.user(2001, "Ivy")
    await ivy.send("/injury")
    await ivy.send("left knee")
    await ivy.press("4")
    await ivy.send("Sharp on the stairs")
    tara = sim.user(1001, "Tara")
    await tara.send("/clients")
    await tara.press("Ivy Stone")
    card = tara.last_reply.text
    assert "Height: 182 cm" in card
    assert "Weight: 84 kg" in card
    assert "Body fat: 18.5%" in card
    assert "Date of birth: 17 May 1990" in card
    assert "Started: 1 Nov" in card
    assert "• old shoulder strain (2021)" in card
    assert "• Left knee — 4/10, reported today: Sharp on the stairs" in card
    for raw in ("{", "'part'", "reported_at", "182.0", "84.00", "18.50"):
        assert raw not in card, raw


async def test_a_pound_trainer_sees_pounds_and_feet(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await _ivy(session_factory, Units.LB)
    tara = sim.user(1001, "Tara")
    await tara.send("/clients")
    await tara.press("Ivy Stone")
    card = tara.last_reply.text
    assert "Weight: 185.2 lb" in card
    assert "Height: 5'11.5\"" in card
    assert "Injuries: old shoulder strain (2021)" in card
    assert " kg" not in card


async def test_many_injury_reports_keep_the_card_short(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    profile_id = await _ivy(session_factory, Units.KG)
    async with session_factory() as session:
        profile = (
            await session.execute(select(ClientProfile).where(ClientProfile.id == profile_id))
        ).scalar_one()
        profile.injuries = [
            {
                "part": f"Part {i}",
                "severity": 3,
                "text": "x" * 400,
                "reported_at": f"2026-11-{1 + i % 20:02d}T10:00:00+00:00",
            }
            for i in range(300)
        ]
        await session.commit()
    tara = sim.user(1001, "Tara")
    await tara.send("/clients")
    await tara.press("Ivy Stone")
    card = tara.last_reply.text
    assert "• Part 299 — 3/10, reported 20 Nov: " in card
    assert "(and 295 earlier)" in card


async def test_a_card_with_every_field_at_its_longest_fits(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    profile_id = await _ivy(session_factory, Units.KG)
    async with session_factory() as session:
        profile = await session.get(ClientProfile, profile_id)
        assert profile is not None
        profile.name = "N" * 120
        profile.email = f"{'e' * 64}@{'d' * 180}.com"
        profile.phone = "+44 7700 900123"
        profile.goals = [f"goal {i} " + "g" * 190 for i in range(20)]
        profile.injuries = [f"injury {i} " + "i" * 190 for i in range(20)]
        profile.medical_notes = "m" * 2000
        profile.emergency_contact = "c" * 200
        relationship = (
            await session.execute(
                select(Relationship).where(Relationship.client_profile_id == profile_id)
            )
        ).scalar_one()
        relationship.notes = "My notes. " * 200
        await session.commit()
    tara = sim.user(1001, "Tara")
    await tara.send("/clients")
    await tara.press_data(f"cl:card:{profile_id}")
    card = tara.last_reply.text
    assert len(card) <= 4096
    assert "🗒 Notes: My notes." in card
    assert "(and 15 earlier)" in card
