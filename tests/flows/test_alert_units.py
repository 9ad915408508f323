"""Alert messages name loads in the trainer's unit: a pound trainer reads pounds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from coaching.domain import alerts as rules
from coaching.domain.enums import Units
from coaching.services.base import ServiceContext
from tests.factories import Factory, make_coaching, make_user
from tests.factories import raise_now as _raise
from tests.fakes.chat import ChatSimulator


async def _alerts_for(units: Units, ctx: ServiceContext, factory: Factory) -> None:
    tara = await make_user(factory, 1001, "Tara", trainer=True, units=units)
    ivy = await make_user(factory, 2001, "Ivy", client=True)
    coaching = await make_coaching(factory, tara, ivy, name="Ivy Stone")
    record = rules.personal_records(
        7, "Leg {day}", [rules.RecordLine("Squat {x}", "max_weight", Decimal("120"), None)]
    )
    assert record is not None
    await _raise(ctx, coaching, record)
    points = [
        rules.SessionPoint(i, date(2026, 11, 10 + i), Decimal(value), Decimal("100"))
        for i, value in enumerate(("140", "130", "110"))
    ]
    decline = rules.e1rm_decline(
        points, exercise_id=1, exercise_name="Bench", decline_pct=10, sessions=3
    )
    assert decline is not None
    await _raise(ctx, coaching, decline)


async def test_a_pound_trainer_reads_pounds_in_alerts_and_the_dashboard(
    sim: ChatSimulator, ctx: ServiceContext, session_factory: Factory
) -> None:
    await _alerts_for(Units.LB, ctx, session_factory)
    tara = sim.user(1001, "Tara")
    await tara.send("/alerts")
    text = tara.last_reply.text
    assert "New personal records in “Leg {day}”: Squat {x} heaviest weight 265 lb." in text
    assert "Bench: estimated 1RM down 21% over the last 3 sessions (309 lb → 243 lb)." in text
    assert " kg" not in text
    await tara.send("/dashboard")
    assert "Bench: estimated 1RM down 21% over the last 3 sessions (309 lb → 243 lb)" in (
        tara.last_reply.text
    )


async def test_a_kilogram_trainer_reads_kilograms(
    sim: ChatSimulator, ctx: ServiceContext, session_factory: Factory
) -> None:
    await _alerts_for(Units.KG, ctx, session_factory)
    tara = sim.user(1001, "Tara")
    await tara.send("/alerts")
    text = tara.last_reply.text
    assert "Squat {x} heaviest weight 120 kg." in text
    assert "(140 kg → 110 kg)" in text
