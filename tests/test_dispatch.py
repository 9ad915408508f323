"""The reminder dispatcher against the fake Bot API, with a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.error import NetworkError, TimedOut

from bot.application import SpotterApplication
from bot.config import Settings
from bot.dispatch import dispatch_due, may_have_been_delivered
from coaching.clock import ManualClock
from coaching.domain.enums import ReminderKind, ReminderStatus
from coaching.services.reminders import (
    ReminderService,
    queue_trainer_message,
    reminders_for_session_changed,
)
from storage.models import CoachingSession, Reminder, User
from storage.uow import UnitOfWork
from tests.conftest import restarted
from tests.factories import Coaching, make_coaching, make_user
from tests.fakes.botapi import FakeBotAPI

Factory = async_sessionmaker[AsyncSession]
TRAINER, CLIENT = 500, 600


def _caused(error: NetworkError, cause: BaseException) -> NetworkError:
    error.__cause__ = cause
    return error


def u(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
async def people(session_factory: Factory) -> Coaching:
    trainer = await make_user(session_factory, TRAINER, "Tina", trainer=True)
    client = await make_user(session_factory, CLIENT, "Carl", client=True, timezone="Europe/London")
    return await make_coaching(session_factory, trainer, client, name="Carl Jones")


async def _book(factory: Factory, coaching: Coaching, at: datetime, now: datetime) -> int:
    async with UnitOfWork(factory) as uow:
        row = CoachingSession(
            relationship_id=coaching.relationship.id,
            title="Leg day",
            scheduled_at=at,
            created_by=coaching.trainer.id,
        )
        uow.add(row)
        await uow.flush()
        await reminders_for_session_changed(uow, row.id, now)
        await uow.commit()
        return row.id


async def _rows(factory: Factory) -> list[Reminder]:
    async with factory() as session:
        found = await session.execute(select(Reminder).order_by(Reminder.due_at, Reminder.id))
        return list(found.scalars())


def _texts(api: FakeBotAPI, chat_id: int) -> list[str]:
    return [str(m.get("text", "")) for m in api.sent_to(chat_id)]


async def _run(app: SpotterApplication, worker: str = "test-worker") -> None:
    await dispatch_due(app.bot, app.services.ctx, worker=worker)


async def test_reminders_go_out_at_the_clients_local_times(
    app: SpotterApplication,
    api: FakeBotAPI,
    clock: ManualClock,
    session_factory: Factory,
    people: Coaching,
) -> None:
    # Monday 2026-11-30 18:00 in London (GMT in winter).
    session_id = await _book(session_factory, people, u("2026-11-30 18:00"), clock.now())

    clock.set(u("2026-11-29 18:59"))
    await _run(app)
    assert _texts(api, CLIENT) == []

    clock.set(u("2026-11-29 19:00"))
    await _run(app)
    [evening] = api.sent_to(CLIENT)
    assert evening["text"] == "🔔 Tomorrow at 18:00: Leg day"
    buttons = evening["reply_markup"]["inline_keyboard"]
    assert buttons == [
        [{"text": "📋 See plan", "callback_data": f"rm:plan:{session_id}"}],
        [
            {"text": "🙅 Can't make it", "callback_data": f"rm:cant:{session_id}"},
            {"text": "💬 Ask my trainer", "callback_data": f"th:n:s:{session_id}"},
        ],
    ]

    clock.set(u("2026-11-30 17:00"))
    await _run(app)
    assert _texts(api, CLIENT)[-1] == "⏰ In 1 hour (18:00): Leg day"

    rows = await _rows(session_factory)
    assert [r.status for r in rows] == [ReminderStatus.SENT, ReminderStatus.SENT]
    assert [r.telegram_message_id for r in rows] == [m["message_id"] for m in api.sent_to(CLIENT)]
    assert rows[1].sent_at == u("2026-11-30 17:00")

    await _run(app)
    assert len(api.sent_to(CLIENT)) == 2, "nothing is sent twice"


async def test_dst_session_reminded_at_19_bst(
    app: SpotterApplication,
    api: FakeBotAPI,
    clock: ManualClock,
    session_factory: Factory,
    people: Coaching,
) -> None:
    clock.set(u("2026-03-20 09:00"))
    await _book(session_factory, people, u("2026-03-30 17:00"), clock.now())
    clock.set(u("2026-03-29 17:59"))
    await _run(app)
    assert _texts(api, CLIENT) == []
    clock.set(u("2026-03-29 18:00"))  # Sunday 19:00 BST
    await _run(app)
    assert _texts(api, CLIENT) == ["🔔 Tomorrow at 18:00: Leg day"]


async def test_restart_across_due_times_sends_each_useful_reminder_once(
    settings: Settings,
    api: FakeBotAPI,
    clock: ManualClock,
    engine: AsyncEngine,
    session_factory: Factory,
    people: Coaching,
) -> None:
    early = await _book(session_factory, people, u("2026-11-24 08:00"), clock.now())
    late = await _book(session_factory, people, u("2026-11-25 18:00"), clock.now())

    # The bot is down from Monday 09:00 until Tuesday 09:00, past every reminder of the early
    # session (and its start) and the evening-before time... of nothing else yet.
    clock.set(u("2026-11-24 09:00"))
    for _run_number in range(2):
        async with restarted(settings, api, engine, clock) as app2:
            await _run(app2)
    assert _texts(api, CLIENT) == []
    statuses = {(r.coaching_session_id, r.kind): r.status for r in await _rows(session_factory)}
    assert statuses[(early, ReminderKind.EVENING_BEFORE)] is ReminderStatus.SKIPPED
    assert statuses[(early, ReminderKind.BEFORE_SESSION)] is ReminderStatus.SKIPPED
    assert statuses[(late, ReminderKind.EVENING_BEFORE)] is ReminderStatus.PENDING

    # Down again over Tuesday evening; back on Wednesday at 08:00: the evening note for the
    # 18:00 session is late but still useful, so it goes out once, saying "Today".
    clock.set(u("2026-11-25 08:00"))
    for _run_number in range(2):
        async with restarted(settings, api, engine, clock) as app2:
            await _run(app2)
    assert _texts(api, CLIENT) == ["🔔 Today at 18:00: Leg day"]
    statuses = {(r.coaching_session_id, r.kind): r.status for r in await _rows(session_factory)}
    assert statuses[(late, ReminderKind.EVENING_BEFORE)] is ReminderStatus.SENT
    assert statuses[(late, ReminderKind.BEFORE_SESSION)] is ReminderStatus.PENDING


async def test_forbidden_marks_the_client_unreachable_and_tells_the_trainer(
    app: SpotterApplication,
    api: FakeBotAPI,
    clock: ManualClock,
    session_factory: Factory,
    people: Coaching,
) -> None:
    await _book(session_factory, people, u("2026-11-25 18:00"), clock.now())
    await _book(session_factory, people, u("2026-11-27 18:00"), clock.now())
    api.block(CLIENT)
    clock.set(u("2026-11-24 19:00"))
    await _run(app)

    assert _texts(api, TRAINER) == [
        "⚠️ Carl Jones has blocked Spotter; reminders are paused until they come back."
    ]
    rows = await _rows(session_factory)
    assert {r.status for r in rows} == {ReminderStatus.CANCELLED}
    async with session_factory() as session:
        client = (
            await session.execute(select(User).where(User.telegram_id == CLIENT))
        ).scalar_one()
    assert client.reachable is False
    assert client.unreachable_since == u("2026-11-24 19:00")

    clock.set(u("2026-11-26 19:00"))
    await _run(app)
    assert len(_texts(api, TRAINER)) == 1, "the trainer is told once"


@pytest.fixture
async def bare_app(
    settings: Settings, api: FakeBotAPI, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[SpotterApplication]:
    """The bot without AIORateLimiter, so flood control reaches the dispatcher at once."""
    async with restarted(settings, api, engine, clock, rate_limiter=False) as application:
        yield application


async def test_retry_after_puts_the_batch_back_and_sends_later(
    bare_app: SpotterApplication,
    api: FakeBotAPI,
    clock: ManualClock,
    session_factory: Factory,
    people: Coaching,
) -> None:
    await _book(session_factory, people, u("2026-11-25 18:00"), clock.now())
    await _book(session_factory, people, u("2026-11-25 20:00"), clock.now())
    clock.set(u("2026-11-24 19:00"))
    api.fail_next("sendMessage", chat_id=CLIENT, error="retry_after", retry_after=30)
    await _run(bare_app)

    assert _texts(api, CLIENT) == []
    evenings = [r for r in await _rows(session_factory) if r.kind is ReminderKind.EVENING_BEFORE]
    assert [r.status for r in evenings] == [ReminderStatus.PENDING] * 2
    assert [r.due_at for r in evenings] == [u("2026-11-24 19:00:30")] * 2
    assert [r.attempts for r in evenings] == [1, 0], "only the first was attempted"

    clock.advance(seconds=29)
    await _run(bare_app)
    assert _texts(api, CLIENT) == []
    clock.advance(seconds=1)
    await _run(bare_app)
    assert _texts(api, CLIENT) == [
        "🔔 Tomorrow at 18:00: Leg day",
        "🔔 Tomorrow at 20:00: Leg day",
    ]


async def test_timeout_after_delivery_is_never_sent_twice(
    app: SpotterApplication,
    api: FakeBotAPI,
    clock: ManualClock,
    session_factory: Factory,
    people: Coaching,
) -> None:
    await _book(session_factory, people, u("2026-11-25 18:00"), clock.now())
    clock.set(u("2026-11-24 19:00"))
    api.fail_next("sendMessage", chat_id=CLIENT, error="timeout_after_delivery")
    await _run(app)
    for _ in range(3):
        clock.advance(minutes=15)
        await _run(app)

    assert _texts(api, CLIENT) == ["🔔 Tomorrow at 18:00: Leg day"], "exactly one message"
    evening = (await _rows(session_factory))[0]
    assert evening.status is ReminderStatus.SENT
    assert evening.payload["uncertain"] is True
    assert "in_flight" not in evening.payload
    assert evening.telegram_message_id is None


async def test_a_timeout_is_not_resent_blindly(
    app: SpotterApplication,
    api: FakeBotAPI,
    clock: ManualClock,
    session_factory: Factory,
    people: Coaching,
) -> None:
    await _book(session_factory, people, u("2026-11-25 18:00"), clock.now())
    clock.set(u("2026-11-24 19:00"))
    api.fail_next("sendMessage", chat_id=CLIENT, error="timeout")
    await _run(app)
    clock.advance(minutes=15)
    await _run(app)

    assert _texts(api, CLIENT) == []
    evening = (await _rows(session_factory))[0]
    assert (evening.status, evening.payload["uncertain"]) == (ReminderStatus.SENT, True)
    assert evening.last_error is not None
    assert evening.last_error.startswith("delivery unconfirmed")

    clock.set(u("2026-11-25 17:00"))
    await _run(app)
    assert _texts(api, CLIENT) == ["⏰ In 1 hour (18:00): Leg day"], "later reminders still go"


async def test_network_error_is_retried_later_and_sent_once(
    app: SpotterApplication,
    api: FakeBotAPI,
    clock: ManualClock,
    session_factory: Factory,
    people: Coaching,
) -> None:
    await _book(session_factory, people, u("2026-11-25 18:00"), clock.now())
    clock.set(u("2026-11-24 19:00"))
    api.fail_next("sendMessage", chat_id=CLIENT, error="network")
    await _run(app)
    evening = (await _rows(session_factory))[0]
    assert (evening.status, evening.attempts) == (ReminderStatus.PENDING, 1)
    assert evening.due_at == u("2026-11-24 19:00:30")

    clock.advance(seconds=30)
    await _run(app)
    await _run(app)
    assert _texts(api, CLIENT) == ["🔔 Tomorrow at 18:00: Leg day"]
    evening = (await _rows(session_factory))[0]
    assert (evening.status, evening.attempts) == (ReminderStatus.SENT, 2)


async def test_network_errors_give_up_after_five_attempts(
    app: SpotterApplication,
    api: FakeBotAPI,
    clock: ManualClock,
    session_factory: Factory,
    people: Coaching,
) -> None:
    await _book(session_factory, people, u("2026-11-25 18:00"), clock.now())
    clock.set(u("2026-11-24 19:00"))
    api.fail_next("sendMessage", chat_id=CLIENT, error="network", times=5)
    for _ in range(5):
        await _run(app)
        clock.advance(minutes=10)
    await _run(app)
    evening = (await _rows(session_factory))[0]
    assert (evening.status, evening.attempts) == (ReminderStatus.FAILED, 5)
    assert _texts(api, CLIENT) == []


async def test_rows_left_mid_dispatch_are_reclaimed_without_a_double_send(
    app: SpotterApplication,
    api: FakeBotAPI,
    clock: ManualClock,
    session_factory: Factory,
    people: Coaching,
) -> None:
    await _book(session_factory, people, u("2026-11-25 18:00"), clock.now())
    await _book(session_factory, people, u("2026-11-25 20:00"), clock.now())
    clock.set(u("2026-11-24 19:00"))
    # A process claims both, starts sending the first, and dies.
    svc = ReminderService(app.services.ctx)
    first, _second = await svc.claim("crashed", 10)
    assert await svc.begin_send(first, "crashed")

    clock.advance(minutes=5)
    await _run(app)
    assert _texts(api, CLIENT) == [], "a claim younger than 10 minutes is left alone"

    clock.advance(minutes=6)
    await _run(app)
    assert _texts(api, CLIENT) == ["🔔 Tomorrow at 20:00: Leg day"]
    rows = [r for r in await _rows(session_factory) if r.kind is ReminderKind.EVENING_BEFORE]
    assert [(r.status, r.payload.get("uncertain")) for r in rows] == [
        (ReminderStatus.SENT, True),
        (ReminderStatus.SENT, None),
    ]


async def test_trainer_message_waits_for_the_morning(
    app: SpotterApplication,
    api: FakeBotAPI,
    clock: ManualClock,
    session_factory: Factory,
    people: Coaching,
) -> None:
    clock.set(u("2026-11-23 23:15"))
    async with UnitOfWork(session_factory) as uow:
        await queue_trainer_message(
            uow, people.trainer.id, people.profile.id, "Rest <well>", clock.now()
        )
        await uow.commit()
    await _run(app)
    clock.set(u("2026-11-24 06:59"))
    await _run(app)
    assert _texts(api, CLIENT) == []
    clock.set(u("2026-11-24 07:00"))
    await _run(app)
    assert _texts(api, CLIENT) == ["💬 Tina wrote:\n\nRest <well>"]


async def test_the_dispatcher_is_one_repeating_job(app: SpotterApplication) -> None:
    assert app.job_queue is not None
    jobs = [job for job in app.job_queue.jobs() if job.name == "reminders"]
    assert len(jobs) == 1
    assert jobs[0].job.trigger.interval == timedelta(seconds=30)


@pytest.mark.parametrize(
    ("error", "maybe"),
    [
        (_caused(TimedOut(), httpx.ConnectTimeout("connect")), False),
        (TimedOut("Pool timeout: All connections in the connection pool are occupied."), False),
        (_caused(TimedOut(), httpx.ReadTimeout("read")), True),
        (_caused(TimedOut(), httpx.WriteTimeout("write")), True),
        (NetworkError("httpx.ConnectError: refused"), False),
        (NetworkError("httpx.RemoteProtocolError: server disconnected"), True),
    ],
)
def test_which_failures_may_have_delivered(error: NetworkError, maybe: bool) -> None:
    assert may_have_been_delivered(error) is maybe
