"""Periodic jobs on several workers sharing one database: each job runs once per period, a
dead holder's period is taken over when its lease expires, and a failed run can be retried."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.application import SpotterApplication
from bot.config import Settings
from bot.jobs import LEASE_SECONDS, PRESENCE_TTL
from bot.ratelimit import PacedRateLimiter
from bot.worker import worker_name
from coaching.clock import ManualClock
from coaching.services.alerts import AlertService
from coaching.services.base import ServiceContext
from coaching.services.timers import LeaseService, PresenceService
from storage.db import create_engine
from storage.models import JobLease
from tests.conftest import START, restarted
from tests.factories import make_coaching, make_user, many_trainers
from tests.fakes.botapi import FakeBotAPI
from tests.helpers import texts as _texts
from tests.progress_data import plan

Factory = async_sessionmaker[AsyncSession]
Workers = tuple[SpotterApplication, SpotterApplication]


@pytest.fixture
async def workers(
    settings: Settings, api: FakeBotAPI, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[Workers]:
    """Two workers on one database, each with its own connection pool, on one Telegram."""
    other = create_engine(settings.database_url)
    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(restarted(settings, api, engine, clock))
        two = await stack.enter_async_context(restarted(settings, api, other, clock))
        yield one, two
    await other.dispose()


async def run(app: SpotterApplication, name: str) -> None:
    """One tick of the worker's repeating job ``name``."""
    assert app.job_queue is not None
    [job] = app.job_queue.get_jobs_by_name(name)
    await job.run(app)


async def tick_both(workers: Workers, name: str) -> None:
    await asyncio.gather(*(run(app, name) for app in workers))


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every alert scan that runs, in order (the job's, which runs in a worker process)."""
    done: list[object] = []
    original: Callable[..., Any] = AlertService.scan_everyone

    async def counted(self: AlertService, *args: Any, **kwargs: Any) -> Any:
        done.append(self)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(AlertService, "scan_everyone", counted)
    return done


async def _missed_sessions(factory: Factory) -> None:
    trainer = await make_user(factory, 1001, "Tara", trainer=True)
    cleo = await make_user(factory, 1002, "Cleo", client=True)
    coaching = await make_coaching(factory, trainer, cleo, start=START.date())
    for days in (1, 2, 3):
        await plan(factory, coaching, START - timedelta(days=days))


async def test_two_workers_run_one_alert_scan_per_hour(
    workers: Workers,
    scans: list[object],
    session_factory: Factory,
    clock: ManualClock,
    api: FakeBotAPI,
) -> None:
    await _missed_sessions(session_factory)
    await tick_both(workers, "alert_scan")
    assert len(scans) == 1
    notices = [t for t in _texts(api, 1001) if "Missed workout" in t]
    assert len(notices) == 1, "one notice for the client, sent once"
    assert notices[0].count("Missed “Leg day”") == 3, "naming each missed session"

    clock.advance(minutes=40)  # still the same hour: both workers check again, neither scans
    await tick_both(workers, "alert_scan")
    await tick_both(workers, "alert_scan")
    assert len(scans) == 1

    clock.advance(minutes=20)  # the next hour
    await tick_both(workers, "alert_scan")
    assert len(scans) == 2


async def test_a_dead_holders_period_is_taken_over_when_its_lease_expires(
    workers: Workers, scans: list[object], ctx: ServiceContext, clock: ManualClock
) -> None:
    clock.set(START + timedelta(minutes=5))
    dead = await LeaseService(ctx).acquire(
        "alert_scan", timedelta(hours=1), "gone-host:4242", timedelta(seconds=LEASE_SECONDS)
    )
    assert dead is not None  # it took the hour, then was killed mid-scan
    await tick_both(workers, "alert_scan")
    clock.advance(seconds=LEASE_SECONDS - 1)
    await tick_both(workers, "alert_scan")
    assert scans == [], "the lease still holds"

    clock.advance(seconds=2)
    await tick_both(workers, "alert_scan")
    assert len(scans) == 1
    async with ctx.uow() as uow:
        lease = await uow.session.get(JobLease, "alert_scan")
        assert lease is not None
        assert (lease.holder, lease.done) == (worker_name(), True)


# The failed run goes to the error handler as a task, which PTB warns about outside a running bot.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBUserWarning")
async def test_a_failed_run_is_retried_in_the_same_period(
    workers: Workers, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    calls: list[int] = []

    async def flaky(self: AlertService) -> Any:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return await original(self)

    original = AlertService.scan_everyone
    monkeypatch.setattr(AlertService, "scan_everyone", flaky)
    one, two = workers
    await run(one, "alert_scan")  # fails; the error handler reports it
    await run(two, "alert_scan")
    await run(one, "alert_scan")
    assert calls == [0, 1], "released at once, run again once"


async def test_two_workers_send_one_digest_per_trainer_per_day(
    workers: Workers, session_factory: Factory, clock: ManualClock, api: FakeBotAPI
) -> None:
    expected = await many_trainers(session_factory, 40)
    clock.set(START)  # 09:00 UTC: London trainers' 07:00 digest is due
    await tick_both(workers, "daily_digest")
    clock.advance(minutes=5)  # the next period: both check again
    await tick_both(workers, "daily_digest")
    await tick_both(workers, "daily_digest")

    got = {t: len(api.sent_to(t)) for t in expected}
    assert got == {t: int(due) for t, due in expected.items()}
    assert sum(got.values()) > 10
    assert all("daily digest" in _texts(api, t)[0] for t, n in got.items() if n)


async def test_checks_during_a_long_run_neither_wait_nor_run_it_again(
    workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    calls: list[int] = []
    original = AlertService.scan_everyone

    async def long_scan(self: AlertService) -> Any:
        calls.append(len(calls))
        started.set()
        await release.wait()
        return await original(self)

    monkeypatch.setattr(AlertService, "scan_everyone", long_scan)
    first = asyncio.create_task(run(workers[0], "alert_scan"))
    await asyncio.wait_for(started.wait(), 10)
    # Both return without waiting for the run: this worker's own check, and the other's.
    await asyncio.wait_for(tick_both(workers, "alert_scan"), 10)
    assert not first.done()
    release.set()
    await first
    assert calls == [0]


async def test_workers_count_each_other_until_one_stops_or_dies(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    presence = PresenceService(ctx)
    assert await presence.here("host-a:11", PRESENCE_TTL) == 1
    assert await presence.here("host-b:22", PRESENCE_TTL) == 2
    assert await presence.here("host-a:11", PRESENCE_TTL) == 2, "a renewal is not a new worker"
    clock.advance(PRESENCE_TTL + timedelta(seconds=1))  # b died: it said nothing since
    assert await presence.here("host-a:11", PRESENCE_TTL) == 1
    assert await presence.here("host-c:33", PRESENCE_TTL) == 2
    await presence.leave("host-c:33")  # c stopped cleanly
    assert await presence.here("host-a:11", PRESENCE_TTL) == 1


async def test_a_worker_sends_its_share_of_telegrams_limits(
    settings: Settings, api: FakeBotAPI, engine: AsyncEngine, clock: ManualClock
) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("workers share a database on PostgreSQL; SQLite has one process")
    async with restarted(settings, api, engine, clock) as app:
        limiter = app.bot.rate_limiter
        assert isinstance(limiter, PacedRateLimiter)
        await run(app, "presence")
        assert limiter.workers == 1
        await PresenceService(app.services.ctx).here("elsewhere:9", PRESENCE_TTL)
        await run(app, "presence")
        assert limiter.workers == 2
        clock.advance(PRESENCE_TTL + timedelta(seconds=1))
        await run(app, "presence")
        assert limiter.workers == 1, "the other worker died: its share comes back"
