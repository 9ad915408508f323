"""/measure through the chat simulator: a client's own entries, photos, a trainer for a client."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import ClientProfile, Measurement, PermissionSet, ProgressPhoto
from tests.factories import make_public, register
from tests.fakes.chat import ChatSimulator, SimUser


async def _measurements(factory: async_sessionmaker[AsyncSession]) -> list[Measurement]:
    async with factory() as session:
        rows = await session.execute(select(Measurement).order_by(Measurement.id))
        return list(rows.scalars())


async def coached(sim: ChatSimulator) -> tuple[SimUser, SimUser]:
    """Alice coaches Bob: a request through the directory, accepted."""
    alice = await register(sim, 1001, "Alice", "trainer")
    await make_public(alice, category=None)
    bob = await register(sim, 2001, "Bob", "client")
    await bob.send("/trainers")
    await bob.press("Alice")
    await bob.press("Request coaching")
    await bob.press("In person")
    await alice.press("Accept")
    return alice, bob


async def test_client_logs_quick_and_step_by_step_with_trend(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    bob = await register(sim, 2001, "Bob", "client")
    await bob.send("/measure")
    assert "Measurements" in bob.last_reply.text
    assert "Units: kg and cm" in bob.last_reply.text

    await bob.send("84 2026-10-20")
    assert "Saved: Weight 84 kg on 20 Oct 2026" in bob.last_reply.text
    await bob.press("Weight")
    await bob.send("5")
    assert "not a believable weight" in bob.last_reply.text
    await bob.send("83 2026-11-30")
    assert "in the future" in bob.last_reply.text
    await bob.send("83.0 yesterday")
    assert "Saved: Weight 83 kg on 22 Nov 2026" in bob.last_reply.text
    await bob.send("82.5kg")
    assert "Weight 82.5 kg" in bob.last_reply.text
    assert "↓" in bob.last_reply.text
    assert "−0.5 kg since last" in bob.last_reply.text
    assert "−1.5 kg over 30 days" in bob.last_reply.text

    await bob.send("bf 18.5")
    await bob.send("waist 84cm")
    await bob.send("84cm")
    assert "What did you measure?" in bob.last_reply.text
    await bob.press("Other measurement")
    await bob.send("hips 98")
    assert "Hips 98 cm" in bob.last_reply.text

    await bob.send_photo("photo-1", caption="Week 1")
    assert "Progress photo saved “Week 1”" in bob.last_reply.text

    await bob.press("Recent entries")
    recent = bob.last_reply.text
    assert "Weight: 82.5 kg ↓" in recent
    assert "Body fat: 18.5%" in recent
    assert "Waist: 84 cm" in recent
    assert "1 progress photo" in recent
    await bob.press("Menu")
    await bob.press("Done")
    assert "Done" in bob.last_reply.text

    rows = await _measurements(session_factory)
    assert [(m.kind, m.value, m.unit) for m in rows] == [
        ("body_weight", Decimal("84.000"), "kg"),
        ("body_weight", Decimal("83.000"), "kg"),
        ("body_weight", Decimal("82.500"), "kg"),
        ("body_fat_pct", Decimal("18.500"), "%"),
        ("waist", Decimal("84.000"), "cm"),
        ("hips", Decimal("98.000"), "cm"),
    ]
    async with session_factory() as session:
        photo = (await session.execute(select(ProgressPhoto))).scalar_one()
        assert (photo.file_id, photo.caption, photo.taken_on) == (
            "photo-1",
            "Week 1",
            date(2026, 11, 23),
        )
        own = await session.get(ClientProfile, rows[0].client_profile_id)
        assert own is not None
        assert own.trainer_user_id is None
        assert own.current_weight_kg == Decimal("82.50")


async def test_cancel_and_stale_buttons(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    bob = await register(sim, 2001, "Bob", "client")
    await bob.send("/measure")
    await bob.press("Weight")
    await bob.send("/cancel")
    assert "Cancelled" in bob.last_reply.text
    await bob.send("82")
    assert await _measurements(session_factory) == []
    await bob.press_data("ms:k:w")
    assert bob.last_answer is not None
    assert "expired" in bob.last_answer
    await bob.send("/measure")
    await bob.press_data("ms:c:1")
    assert bob.last_answer is not None
    assert "Only trainers" in bob.last_answer


async def test_trainer_logs_for_a_client_within_permissions(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    alice, bob = await coached(sim)
    await bob.send("/measure")
    await bob.send("80")  # Bob's own entry, in his self profile

    await alice.send("/measure")
    assert "Which client" in alice.last_reply.text
    await alice.press("Bob")
    menu = alice.last_reply
    assert "Measurements for Bob" in menu.text
    assert "not shared their personal details" in menu.text
    assert "Recent entries" not in menu.flat_buttons
    await alice.send("81.5")
    assert "Saved for Bob: Weight 81.5 kg" in alice.last_reply.text
    assert "since last" not in alice.last_reply.text, "no trend without personal data"

    rows = await _measurements(session_factory)
    async with session_factory() as session:
        trainer_profile = await session.get(ClientProfile, rows[-1].client_profile_id)
        assert trainer_profile is not None
        assert trainer_profile.trainer_user_id is not None
        await session.execute(update(PermissionSet).values(view_personal_data=True))
        await session.commit()

    await alice.send("/measure")
    await alice.press("Bob")
    await alice.press("Recent entries")
    assert "Weight: 81.5 kg ↑" in alice.last_reply.text
    assert "+1.5 kg since last" in alice.last_reply.text

    async with session_factory() as session:
        await session.execute(update(PermissionSet).values(modify_workouts=False))
        await session.commit()
    await alice.press("Menu")
    assert "not allowed you to change or log" in alice.last_reply.text
    assert "Weight" not in " ".join(alice.last_reply.flat_buttons)
    await alice.press_data("ms:k:w")
    assert alice.last_answer is not None
    await alice.send("82")
    assert "can't log" in alice.last_reply.text
    await alice.send_photo("p-2")
    assert "not allowed you to change or log" in alice.last_reply.text
    assert len(await _measurements(session_factory)) == 2

    # A client who isn't Alice's: refused, nothing leaks.
    dora = await register(sim, 1002, "Dora", "trainer")
    await dora.send("/measure")
    assert "no active clients" in dora.last_reply.text
    await dora.press_data(f"ms:c:{trainer_profile.id}")
    assert dora.last_answer is not None
    assert "can't find that client" in dora.last_answer
    assert "Bob" not in dora.last_reply.text


async def test_trainer_who_is_also_a_client_is_asked_first(sim: ChatSimulator) -> None:
    carol = await register(sim, 3001, "Carol", "both")
    await carol.send("/measure")
    assert "For yourself or for a client?" in carol.last_reply.text
    await carol.press("A client")
    assert "no active clients" in carol.last_reply.text
    await carol.send("/measure")
    await carol.send("82")
    assert "tap one of the buttons" in carol.last_reply.text
    await carol.press("Myself")
    await carol.send("rhr 58")
    assert "Resting HR 58 bpm" in carol.last_reply.text
