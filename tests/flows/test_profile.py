"""/profile through the chat simulator: view, every kind of edit, certificates, refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import Visibility
from storage.models import Category, Certificate, TrainerCategory, TrainerProfile, User
from tests.factories import register
from tests.fakes.chat import ChatSimulator


async def _profile(factory: async_sessionmaker[AsyncSession], telegram_id: int) -> TrainerProfile:
    async with factory() as session:
        found = await session.execute(
            select(TrainerProfile)
            .join(User, User.id == TrainerProfile.user_id)
            .where(User.telegram_id == telegram_id)
        )
        return found.scalar_one()


async def test_profile_shows_every_field_and_text_edits_validate(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    alice = await register(sim, 1001, "Alice", "trainer")
    await alice.send("/profile")
    text = alice.last_reply.text
    for label in ("Bio:", "Specializations:", "Experience:", "Certifications:", "Hourly rate:"):
        assert label in text
    assert "Client limit: 30 (0 active or pending)" in text
    assert "Rating: No ratings yet" in text
    assert "Visibility: 🔒 private" in text

    await alice.press("Edit profile")
    assert "Hourly rate" in alice.last_reply.flat_buttons
    assert not any("Rating" in b for b in alice.last_reply.flat_buttons), "rating isn't editable"

    await alice.press("Bio")
    await alice.send("x" * 2001)
    assert "2001 characters; the limit is 2000" in alice.last_reply.text
    await alice.send("Strength coach <for> busy people.")
    assert "✅ Bio saved." in alice.last_reply.text
    assert "Strength coach <for> busy people." in alice.last_reply.text

    await alice.press("Edit profile")
    await alice.press("Experience")
    await alice.send("71")
    assert "between 0 and 70" in alice.last_reply.text
    await alice.send("eight")
    assert "whole number" in alice.last_reply.text
    await alice.send("8")
    assert "Experience: 8 years" in alice.last_reply.text

    await alice.press("Edit profile")
    await alice.press("Hourly rate")
    await alice.send("60")
    assert "Which currency" in alice.last_reply.text
    await alice.send("60 XYZ")
    assert "not a currency I know" in alice.last_reply.text
    await alice.send("€60")
    assert "Hourly rate: 60 EUR/hour" in alice.last_reply.text

    await alice.press("Edit profile")
    await alice.press("Client limit")
    await alice.send("0")
    assert "between 1 and 500" in alice.last_reply.text
    await alice.send("12")
    assert "Client limit: 12" in alice.last_reply.text

    await alice.press("Edit profile")
    await alice.press("Specializations")
    await alice.send("Powerlifting, knee rehab, powerlifting")
    assert "Specializations: Powerlifting, knee rehab" in alice.last_reply.text

    await alice.press("Edit profile")
    await alice.press("Tags")
    await alice.send(", ".join(f"t{i}" for i in range(11)))
    assert "at most 10" in alice.last_reply.text
    await alice.send("#Kettlebells, ONLINE, kettlebells")
    assert "Tags: kettlebells, online" in alice.last_reply.text

    profile = await _profile(session_factory, 1001)
    assert profile.bio == "Strength coach <for> busy people."
    assert (profile.experience_years, profile.client_limit) == (8, 12)
    assert (profile.hourly_rate, profile.currency) == (Decimal("60.00"), "EUR")
    assert profile.specializations == ["Powerlifting", "knee rehab"]


async def test_toggles_visibility_and_unlisted_link(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    alice = await register(sim, 1001, "Alice", "trainer")
    await alice.send("/profile")
    message_id = alice.last_reply.message_id
    await alice.press("Edit profile")
    await alice.press("Independent: yes")
    assert alice.last_reply.message_id == message_id, "one-tap edits change the message in place"
    assert "Independent: no" in alice.last_reply.text
    await alice.press("Edit profile")
    await alice.press("Accepting clients: yes")
    assert "no longer accepting" in alice.last_reply.text

    await alice.press("Edit profile")
    await alice.press("Visibility")
    await alice.press("Unlisted")
    assert "Your link: https://t.me/SpotterTestBot?start=tr_" in alice.last_reply.text
    first = (await _profile(session_factory, 1001)).share_code
    assert first is not None
    assert len(first) >= 11
    await alice.press("New link")
    second = (await _profile(session_factory, 1001)).share_code
    assert second not in (None, first)
    assert f"start=tr_{second}" in alice.last_reply.text

    profile = await _profile(session_factory, 1001)
    assert (profile.is_independent, profile.accepts_new_clients) == (False, False)
    assert profile.visibility is Visibility.UNLISTED

    await alice.press_data("pf:vis:secret")
    assert alice.last_answer is not None
    assert "public, unlisted or private" in alice.last_answer


async def test_categories_keep_exactly_one_primary(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    alice = await register(sim, 1001, "Alice", "trainer")
    await alice.send("/profile")
    await alice.press("Edit profile")
    await alice.press("Categories")
    await alice.press("Strength")
    assert "⭐ Strength" in alice.last_reply.flat_buttons
    await alice.press("Mobility")
    assert "✅ Mobility" in alice.last_reply.flat_buttons
    await alice.press("Set primary")
    await alice.press("Mobility")
    assert "⭐ Mobility" in alice.last_reply.flat_buttons
    assert "✅ Strength" in alice.last_reply.flat_buttons
    await alice.press("⭐ Mobility")  # removing the primary promotes another one
    assert "⭐ Strength" in alice.last_reply.flat_buttons
    await alice.press("Done")
    assert "Categories: ⭐ Strength (primary)" in alice.last_reply.text

    await alice.press_data("pf:cat:astrology")
    assert alice.last_answer is not None
    assert "not one of the categories" in alice.last_answer
    async with session_factory() as session:
        links = (await session.execute(select(TrainerCategory))).scalars().all()
        assert [(link.is_primary) for link in links] == [True]
        slugs = set((await session.execute(select(Category.slug))).scalars())
        assert "astrology" not in slugs


async def test_certificates_step_by_step_with_skips_and_delete(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    alice = await register(sim, 1001, "Alice", "trainer")
    await alice.send("/profile")
    await alice.press("Certificates")
    await alice.press("Add certificate")
    await alice.send("x" * 201)
    assert "limit is 200" in alice.last_reply.text
    await alice.send("NASM CPT")
    await alice.send("NASM")
    await alice.send("2030-01-01")
    assert "can't be in the future" in alice.last_reply.text
    await alice.send("01/02/2020")
    assert "2026-12-01" in alice.last_reply.text  # an example of a good date
    await alice.send("2020-01-01")
    await alice.send("2019-01-01")
    assert "can't be before the date obtained" in alice.last_reply.text
    await alice.send("2026-12-10")  # 17 days from "today" (2026-11-23)
    await alice.send("ftp://example.com")
    assert "http:// or https://" in alice.last_reply.text
    await alice.send("https://www.nasm.org/verify/1")
    assert "Certificate NASM CPT added" in alice.last_reply.text
    assert "⚠️ expires in 17 days" in alice.last_reply.text

    await alice.press("Add certificate")
    await alice.send("CPR")
    await alice.press("Skip")
    await alice.press("Skip")
    await alice.send("2025-01-01")
    await alice.press("Skip")
    assert "❌ expired 2025-01-01" in alice.last_reply.text

    await alice.send("/profile")
    assert "Expiring within 30 days: NASM CPT" in alice.last_reply.text

    async with session_factory() as session:
        certs = (await session.execute(select(Certificate).order_by(Certificate.id))).scalars()
        rows = [(c.name, c.issuing_body, c.date_obtained, c.expiration_date) for c in certs]
    assert rows == [
        ("NASM CPT", "NASM", date(2020, 1, 1), date(2026, 12, 10)),
        ("CPR", None, None, date(2025, 1, 1)),
    ]
    await alice.press("Certificates")
    await alice.press("Delete CPR")
    await alice.press("Yes, delete")
    assert "Deleted" in alice.last_reply.text
    assert "CPR" not in alice.last_reply.text

    # Someone else's certificate id is refused and nothing changes.
    bob = await register(sim, 2002, "Bob", "trainer")
    await bob.press_data("pf:cert:rm:1")
    assert bob.last_answer is not None
    assert "not on your profile" in bob.last_answer
    async with session_factory() as session:
        assert len((await session.execute(select(Certificate))).scalars().all()) == 1


async def test_non_trainer_cancel_and_forged_buttons(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    carl = await register(sim, 3003, "Carl", "client")
    await carl.send("/profile")
    assert "/profile is for trainers" in carl.last_reply.text
    await carl.press_data("pf:t:acc")
    assert "/profile is for trainers" in carl.last_reply.text
    assert carl.last_reply.flat_buttons == ["🏋️ Become a trainer too"]

    alice = await register(sim, 1001, "Alice", "trainer")
    await alice.send("/profile")
    await alice.press("Edit profile")
    await alice.press("Bio")
    await alice.send("/cancel")
    assert "Cancelled" in alice.last_reply.text
    await alice.send("A bio typed after cancelling")
    assert (await _profile(session_factory, 1001)).bio is None

    await alice.press_data("pf:nonsense:1")
    assert alice.last_answer is not None
    assert "expired" in alice.last_answer
    await alice.press_data("pf:skip")
    assert alice.last_answer is not None
    assert "expired" in alice.last_answer
