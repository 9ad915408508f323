"""The feedback services against a real database: validation, authorisation, idempotent alerts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coaching.domain.enums import AlertType
from coaching.errors import InvalidInput, NotAllowed, NotFound
from coaching.services.base import ServiceContext
from coaching.services.feedback import (
    ClientFeedbackService,
    FeedbackDraft,
    InjuryService,
    ReviewService,
)
from storage.models import ClientAlert
from tests.factories import Factory, make_coaching, make_user


async def test_injury_report_validation_and_one_open_alert_per_part_and_day(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    tom = await make_user(session_factory, 1001, "Tom", trainer=True)
    alice = await make_user(session_factory, 2001, "Alice", client=True)
    await make_coaching(session_factory, tom, alice)
    svc = InjuryService(ctx)
    with pytest.raises(InvalidInput, match="1 to 10"):
        await svc.report_injury(2001, "knee", 11, None)
    with pytest.raises(InvalidInput, match="body part"):
        await svc.report_injury(2001, "   ", 5, None)
    first = await svc.report_injury(2001, "knee", 4, "dull ache")
    assert [n.urgent for n in first.notices] == [False]
    again = await svc.report_injury(2001, "KNEE", 9, None)
    assert again.duplicate
    assert [n.urgent for n in again.notices] == [True]
    lower = await svc.report_injury(2001, "knee", 2, None)
    assert lower.duplicate
    assert lower.notices == ()
    async with session_factory() as session:
        alerts = (
            (
                await session.execute(
                    select(ClientAlert).where(ClientAlert.alert_type == AlertType.INJURY_REPORTED)
                )
            )
            .scalars()
            .all()
        )
    assert len(alerts) == 1
    assert alerts[0].details["score"] == 9


async def test_only_trainers_review_and_unknown_records_are_not_found(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, 1001, "Tom", trainer=True)
    await make_user(session_factory, 2001, "Alice", client=True)
    svc, client = ReviewService(ctx), ClientFeedbackService(ctx)
    with pytest.raises(NotAllowed):
        await svc.review_list(2001)
    with pytest.raises(NotFound):
        await svc.review(1001, 12345)
    with pytest.raises(NotFound):
        await client.rate(2001, 12345, 5)
    with pytest.raises(InvalidInput):
        await svc.submit(1001, 1, FeedbackDraft(rating=6))
    assert await svc.review_list(1001) == ()
    assert await client.recent(2001) == ()
