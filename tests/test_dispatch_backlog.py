"""A backlog larger than one batch drains in one run of the dispatcher job."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import bot.dispatch as dispatch
from bot.application import SpotterApplication
from coaching.clock import ManualClock
from coaching.domain.enums import ReminderKind, ReminderStatus
from storage.models import Reminder
from tests.factories import make_user
from tests.fakes.botapi import FakeBotAPI


async def test_one_job_run_sends_batch_after_batch(
    app: SpotterApplication,
    api: FakeBotAPI,
    clock: ManualClock,
    session_factory: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dispatch, "BATCH", 4)
    clients = [
        await make_user(session_factory, 5000 + n, f"Client {n}", client=True) for n in range(10)
    ]
    async with session_factory() as session:
        for client in clients:
            session.add(
                Reminder(
                    user_id=client.id,
                    kind=ReminderKind.TRAINER_MESSAGE,
                    due_at=clock.now() - timedelta(minutes=1),
                    payload={"text": "Bring your belt tomorrow."},
                    dedup_key=f"note:{client.id}",
                )
            )
        await session.commit()

    await dispatch.dispatch_job(SimpleNamespace(application=app, bot=app.bot))  # type: ignore[arg-type]

    for client in clients:
        texts = [str(m.get("text")) for m in api.sent_to(client.telegram_id)]
        assert len(texts) == 1
        assert "Bring your belt tomorrow." in texts[0]
    async with session_factory() as session:
        statuses = (await session.execute(select(Reminder.status))).scalars().all()
    assert set(statuses) == {ReminderStatus.SENT}
