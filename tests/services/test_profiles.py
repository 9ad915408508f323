"""ProfileService against a real database: the rating is derived, limits hold, links rotate."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from coaching.domain.enums import RelationshipStatus, Role, Visibility
from coaching.domain.profile_rules import CertificateState
from coaching.errors import InvalidInput, NotAllowed, NotFound
from coaching.services.base import ServiceContext
from coaching.services.profiles import CertificateDraft, ProfileService, store_rating
from storage.models import ClientProfile, CoachingSession, Relationship, TrainerProfile
from tests.factories import registered_user_id


async def test_only_trainers_have_a_profile(ctx: ServiceContext) -> None:
    await registered_user_id(ctx, 2001, "Bob", Role.CLIENT)
    with pytest.raises(NotAllowed, match="This is for trainers"):
        await ProfileService(ctx).get(2001)
    with pytest.raises(NotAllowed):
        await ProfileService(ctx).toggle_accepting(9999)


async def test_rating_is_derived_from_session_ratings_and_stored(ctx: ServiceContext) -> None:
    trainer_id = await registered_user_id(ctx, 1001, "Alice", Role.TRAINER)
    svc = ProfileService(ctx)
    assert str((await svc.get(1001)).rating) == "No ratings yet"
    async with ctx.uow() as uow:
        client = ClientProfile(trainer_user_id=trainer_id, name="Bob")
        uow.session.add(client)
        await uow.flush()
        rel = Relationship(
            trainer_user_id=trainer_id,
            client_profile_id=client.id,
            status=RelationshipStatus.ACTIVE,
        )
        uow.session.add(rel)
        await uow.flush()
        # A rating the client did not agree to make public (the 1) never counts.
        for rating, public in ((5, True), (4, True), (5, True), (None, False), (1, False)):
            uow.session.add(
                CoachingSession(
                    relationship_id=rel.id,
                    title="Session",
                    scheduled_at=datetime(2026, 11, 1, 9, tzinfo=UTC),
                    rating=rating,
                    rating_public=public,
                )
            )
        await uow.commit()
    view = await svc.get(1001)
    assert str(view.rating) == "4.7 ★ from 3 ratings"
    assert view.active_clients == 1
    async with ctx.uow() as uow:
        stored = (await uow.session.execute(select(TrainerProfile))).scalar_one()
        assert (stored.rating, stored.rating_count) == (Decimal("4.67"), 3)
        assert (await store_rating(uow, trainer_id)).count == 3


async def test_fields_validate_and_nothing_wrong_is_stored(ctx: ServiceContext) -> None:
    await registered_user_id(ctx, 1001, "Alice", Role.TRAINER)
    svc = ProfileService(ctx)
    await svc.set_rate(1001, "60 EUR")
    view = await svc.set_rate(1001, "75")  # keeps the currency
    assert (view.hourly_rate, view.currency) == (Decimal("75.00"), "EUR")
    with pytest.raises(InvalidInput):
        await svc.set_client_limit(1001, "600")
    with pytest.raises(InvalidInput):
        await svc.set_bio(1001, "x" * 2001)
    view = await svc.get(1001)
    assert (view.client_limit, view.bio) == (30, None)
    with pytest.raises(InvalidInput):
        await svc.set_visibility(1001, "everyone")
    with pytest.raises(InvalidInput):
        await svc.toggle_category(1001, "astrology")
    with pytest.raises(InvalidInput, match="first"):
        await svc.set_primary_category(1001, "rehab")


async def test_visibility_link_and_categories(ctx: ServiceContext) -> None:
    await registered_user_id(ctx, 1001, "Alice", Role.TRAINER)
    svc = ProfileService(ctx)
    view = await svc.set_visibility(1001, "unlisted")
    assert view.visibility is Visibility.UNLISTED
    assert view.share_code is not None
    again = await svc.regenerate_share_code(1001)
    assert again.share_code not in (None, view.share_code)

    await svc.toggle_category(1001, "strength")
    await svc.toggle_category(1001, "rehab")
    view = await svc.set_primary_category(1001, "rehab")
    assert [(c.slug, c.is_primary) for c in view.categories] == [
        ("rehab", True),
        ("strength", False),
    ]
    view = await svc.toggle_category(1001, "rehab")
    assert [(c.slug, c.is_primary) for c in view.categories] == [("strength", True)]


async def test_certificates_and_tags(ctx: ServiceContext) -> None:
    await registered_user_id(ctx, 1001, "Alice", Role.TRAINER)
    await registered_user_id(ctx, 1002, "Dora", Role.TRAINER)
    svc = ProfileService(ctx)
    view = await svc.add_certificate(
        1001,
        CertificateDraft(
            "NASM CPT", "NASM", date(2020, 1, 1), date(2026, 12, 1), "https://nasm.org/v"
        ),
    )
    (cert,) = view.certificates
    assert (cert.state, cert.days_left) == (CertificateState.EXPIRING, 8)
    with pytest.raises(InvalidInput):
        await svc.add_certificate(1001, CertificateDraft("X", verification_link="nasm.org"))
    with pytest.raises(NotFound):
        await svc.delete_certificate(1002, cert.id)
    assert len((await svc.get(1001)).certificates) == 1
    assert (await svc.delete_certificate(1001, cert.id)).certificates == ()

    view = await svc.set_tags(1001, "Online, kettlebells")
    assert view.tags == ("kettlebells", "online")
    other = await svc.set_tags(1002, "online")
    assert other.tags == ("online",)
    assert (await svc.set_tags(1001, "-")).tags == ()
    assert (await svc.get(1002)).tags == ("online",)
