"""DirectoryService against a real database: visibility, requests, decisions, capacity."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coaching.domain.enums import RelationshipStatus, RelationshipType, Role
from coaching.errors import Conflict, NotAllowed, NotFound
from coaching.services.base import ServiceContext
from coaching.services.directory import DirectoryService
from coaching.services.profiles import ProfileService
from storage.models import PermissionSet, Relationship
from tests.factories import public_trainer, registered_user_id


async def test_browse_lists_public_trainers_only_with_pagination(ctx: ServiceContext) -> None:
    for i in range(7):
        await public_trainer(ctx, 1000 + i, f"Trainer{i}")
    await registered_user_id(ctx, 1100, "Private", Role.TRAINER)
    await registered_user_id(ctx, 1101, "Hidden", Role.TRAINER)
    await ProfileService(ctx).set_visibility(1101, "unlisted")
    await ProfileService(ctx).toggle_category(1003, "rehab")
    await ProfileService(ctx).set_tags(1004, "kettlebells")
    await registered_user_id(ctx, 2001, "Bob", Role.CLIENT)
    svc = DirectoryService(ctx)

    first = await svc.browse(2001)
    assert (first.total, first.pages, len(first.trainers)) == (7, 2, 5)
    second = await svc.browse(2001, page=1)
    names = {t.name for t in first.trainers} | {t.name for t in second.trainers}
    assert names == {f"Trainer{i}" for i in range(7)}
    assert (await svc.browse(2001, page=99)).page == 1
    assert [t.name for t in (await svc.browse(2001, category_slug="rehab")).trainers] == [
        "Trainer3"
    ]
    assert [t.name for t in (await svc.browse(2001, tag="#Kettlebells")).trainers] == ["Trainer4"]
    with pytest.raises(NotFound):
        await svc.browse(9999)


async def test_request_accept_twice_and_capacity(ctx: ServiceContext) -> None:
    ref = await public_trainer(ctx, 1001, "Alice")
    await registered_user_id(ctx, 1002, "Dora", Role.TRAINER)
    await registered_user_id(ctx, 2001, "Bob", Role.CLIENT)
    await registered_user_id(ctx, 2002, "Cara", Role.CLIENT)
    await ProfileService(ctx).set_client_limit(1001, "1")
    svc = DirectoryService(ctx)

    with pytest.raises(NotAllowed, match="yourself"):
        await svc.request(1001, ref, RelationshipType.IN_PERSON)
    sent = await svc.request(2001, ref, RelationshipType.HYBRID)
    with pytest.raises(Conflict, match="already asked Alice"):
        await svc.request(2001, ref, RelationshipType.HYBRID)
    with pytest.raises(Conflict, match="isn't taking new clients"):
        await svc.request(2002, ref, RelationshipType.ONLINE)
    assert (await svc.card(2002, ref)).accepting is False

    with pytest.raises(NotFound):
        await svc.decide(1002, sent.relationship_id, accept=True)
    decision = await svc.decide(1001, sent.relationship_id, accept=True)
    assert decision.accepted
    assert decision.client_telegram_id == 2001
    with pytest.raises(Conflict, match="already answered"):
        await svc.decide(1001, sent.relationship_id, accept=False)
    with pytest.raises(Conflict, match="already your trainer"):
        await svc.request(2001, ref, RelationshipType.HYBRID)

    async with ctx.uow() as uow:
        rel = (await uow.session.execute(select(Relationship))).scalar_one()
        assert rel.status is RelationshipStatus.ACTIVE
        assert rel.relationship_type is RelationshipType.HYBRID
        flags = await uow.session.get(PermissionSet, rel.id)
        assert flags is not None
        assert (flags.view_personal_data, flags.modify_workouts) == (False, True)


async def test_acceptance_rechecks_the_limit(ctx: ServiceContext) -> None:
    ref = await public_trainer(ctx, 1001, "Alice")
    await registered_user_id(ctx, 2001, "Bob", Role.CLIENT)
    svc = DirectoryService(ctx)
    sent = await svc.request(2001, ref, RelationshipType.ONLINE)
    await ProfileService(ctx).toggle_accepting(1001)
    with pytest.raises(Conflict, match="client limit"):
        await svc.decide(1001, sent.relationship_id, accept=True)
    decision = await svc.decide(1001, sent.relationship_id, accept=False)
    assert not decision.accepted


async def test_unlisted_and_private_links(ctx: ServiceContext) -> None:
    await registered_user_id(ctx, 1001, "Alice", Role.TRAINER)
    await registered_user_id(ctx, 2001, "Bob", Role.CLIENT)
    view = await ProfileService(ctx).set_visibility(1001, "unlisted")
    svc = DirectoryService(ctx)
    with pytest.raises(NotFound):
        await svc.card(2001, f"p{view.profile_id}")
    card = await svc.card(2001, f"c{view.share_code}")
    assert card.name == "Alice"
    await ProfileService(ctx).set_visibility(1001, "private")
    with pytest.raises(NotAllowed, match="via links"):
        await svc.card(2001, f"c{view.share_code}")
    with pytest.raises(NotFound):
        await svc.card(2001, "cNoSuchCode12")
    with pytest.raises(NotFound):
        await svc.card(2001, "x1")
