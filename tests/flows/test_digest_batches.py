"""The daily digest over many trainers, in batches: each due trainer gets one digest, once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.application import SpotterApplication
from coaching.clock import ManualClock
from coaching.services.base import ServiceContext
from coaching.services.dashboard import DashboardService
from conversations.dashboard import DIGEST_BATCH, digest_job
from storage.models import TrainerProfile
from tests.conftest import START
from tests.factories import many_trainers
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]


async def test_every_due_digest_is_sent_once_across_batches(
    app: SpotterApplication,
    sim: ChatSimulator,
    ctx: ServiceContext,
    clock: ManualClock,
    session_factory: Factory,
) -> None:
    expected = await many_trainers(session_factory, 3 * DIGEST_BATCH + 5)
    clock.set(START)  # 09:00 UTC: 09:00 in London, 04:00 in New York
    context: Any = type("Ctx", (), {"application": app, "bot": app.bot})()

    # Another run (or worker) already took one of them: it is not sent a second time.
    taken = next(t for t, due in expected.items() if due)
    svc = DashboardService(ctx)
    profile_of = dict(
        zip(
            [5000 + n for n in range(len(expected))],
            await _profile_ids(session_factory, len(expected)),
            strict=True,
        )
    )
    assert await svc.claim_digest(profile_of[taken]) is not None
    assert await svc.claim_digest(profile_of[taken]) is None

    await digest_job(context)
    got = {t: len(sim.user(t, f"T{t}").replies) for t in expected}
    want = {t: int(due and t != taken) for t, due in expected.items()}
    assert got == want
    sent = [sim.user(t, f"T{t}").replies[0].text for t, n in got.items() if n]
    # About 45 trainers are due (more than two batches), 21 of them with something to say.
    assert len(sent) == sum(want.values()) > DIGEST_BATCH
    assert all("daily digest" in text for text in sent)

    await digest_job(context)  # the same day: nothing again
    assert {t: len(sim.user(t, f"T{t}").replies) for t in expected} == want

    clock.set(START.replace(hour=13))  # 08:00 in New York: their turn
    await digest_job(context)
    new_york = [t for t in expected if (t - 5000) % 5 == 4 and (t - 5000) % 7 != 6]
    for telegram_id in new_york:
        number = telegram_id - 5000
        wanted = number % 3 == 0 or number % 4 == 0
        assert len(sim.user(telegram_id, "T").replies) == int(wanted)


async def _profile_ids(factory: Factory, count: int) -> list[int]:
    async with factory() as session:
        rows = await session.execute(select(TrainerProfile.id).order_by(TrainerProfile.user_id))
        return [int(i) for i in rows.scalars()][:count]
