"""Old processed-update ids are pruned; recent ones still de-duplicate."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.application import SpotterApplication
from bot.maintenance import prune_processed_updates
from coaching.clock import ManualClock
from storage.models import ProcessedUpdate


async def test_pruning_keeps_a_week_of_update_ids(
    app: SpotterApplication,
    clock: ManualClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    now = clock.now()
    async with session_factory() as session:
        session.add(ProcessedUpdate(update_id=1, processed_at=now - timedelta(days=8)))
        session.add(ProcessedUpdate(update_id=2, processed_at=now - timedelta(days=6)))
        await session.commit()
    await prune_processed_updates(SimpleNamespace(application=app))  # type: ignore[arg-type]
    async with session_factory() as session:
        left = (await session.execute(select(ProcessedUpdate.update_id))).scalars().all()
    assert left == [2]


async def test_the_bot_schedules_its_housekeeping(app: SpotterApplication) -> None:
    assert app.job_queue is not None
    assert [job.name for job in app.job_queue.get_jobs_by_name("prune-updates")]
