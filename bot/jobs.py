"""Repeating jobs on PTB's JobQueue. Each job claims work from the database in batches.

There is never one in-memory job per item: a job asks a service what is due, acts, and the
service records what was done, so a restart picks up exactly where the last run stopped.

Everything a repeating job sends is a bulk send (:func:`bot.ratelimit.bulk_sends`): the rate
limiter paces it below Telegram's overall limit, behind the replies to people acting. The one
exception is a rest timer's "rest over", which answers what the person just did.

Several workers on one database
-------------------------------
Every worker schedules the same jobs, and each periodic job still runs once per period across
all of them: a run first takes the job's lease for the current period (numbered from the Unix
epoch, so every worker agrees on it). Each worker checks at least every
:data:`LEASE_CHECK_SECONDS`; the lease lasts :data:`LEASE_SECONDS` and its holder renews it while
the job runs, so when the holder dies another worker takes the period over within about a
minute. A run that fails releases the lease at once. On SQLite (one process) the same code runs.

The reminder dispatcher needs no lease: it claims rows, so it runs on every worker and they
share the outbox. Delayed messages (rest timers) are sent by :func:`delayed_messages_job`, which
takes due rows the same way, every second on every worker: a second is the precision a rest
timer needs, and a one-row index probe per second is cheaper and simpler than a next-due
wake-up, which every worker would have to learn about from the others. (The pruning of old
handled-update ids, scheduled in :mod:`bot.app`, is an idempotent delete and runs on each.)
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError
from telegram.error import TelegramError
from telegram.ext import Application, CallbackContext

from bot.application import SpotterApplication, services
from bot.dispatch import dispatch_job, scan_interval
from bot.persistence import SqlPersistence
from bot.ratelimit import PacedRateLimiter, bulk_sends
from bot.worker import worker_name
from coaching.services.timers import Lease, LeaseService, PresenceService, TimerService
from conversations.alerts import alert_scan_job, urgent_job
from conversations.clients import expire_relationships
from conversations.common import notify
from conversations.dashboard import digest_job
from conversations.log import abandon_stale_sessions

log = logging.getLogger("spotter.jobs")

JobCallback = Callable[[CallbackContext[Any, Any, Any, Any]], Coroutine[Any, Any, None]]

# The interval may also be read from the application (its settings) when the jobs are scheduled.
Interval = float | Callable[[Application[Any, Any, Any, Any, Any, Any]], float]

TIMER_BATCH = 100


async def delayed_messages_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Send the delayed messages (rest timers) that are due, whichever worker set them."""
    svc = TimerService(services(context).ctx)
    while True:
        due = await svc.take_due(TIMER_BATCH)
        for message in due:
            try:
                await notify(context, message.chat_id, message.text)
            except TelegramError as error:
                # Taken means never sent twice: a failed send is reported, not retried.
                log.warning("delayed message %s not sent: %s", message.key, error)
        if len(due) < TIMER_BATCH:
            return


# (name, interval in seconds, first run after seconds, callback). Features append here.
# Each runs once per interval across all workers (see "Several workers" above), except the
# claiming jobs below.
REPEATING_JOBS: list[tuple[str, Interval, float, JobCallback]] = [
    ("relationship_expiry", 3600.0, 60.0, expire_relationships),
    ("reminders", scan_interval, 5.0, dispatch_job),
    ("abandon_live_sessions", 600.0, 60.0, abandon_stale_sessions),
    ("alert_scan", 3600.0, 120.0, alert_scan_job),
    ("alert_notify", 30.0, 30.0, urgent_job),
    ("daily_digest", 300.0, 90.0, digest_job),
    ("delayed_messages", 1.0, 1.0, delayed_messages_job),
]

# Jobs that claim their rows one by one and so may run on every worker at once.
CLAIMING_JOBS = frozenset({"reminders", "delayed_messages"})
# Jobs whose messages answer what a person just did, so they are not paced as bulk sends.
INTERACTIVE_JOBS = frozenset({"delayed_messages"})

LEASE_SECONDS = 60.0
"""How long a lease holds without renewal: the longest a dead holder delays its period."""
LEASE_CHECK_SECONDS = 30.0
"""How often each worker at most waits before trying a periodic job's lease again."""


def bulk_job(callback: JobCallback) -> JobCallback:
    """The job with every call it makes to the Bot API marked as a bulk send."""

    @functools.wraps(callback)
    async def run(context: CallbackContext[Any, Any, Any, Any]) -> None:
        with bulk_sends():
            await callback(context)

    return run


async def _keep(svc: LeaseService, lease: Lease, ttl: timedelta) -> None:
    """Renew ``lease`` every third of its time to live until cancelled."""
    while True:
        await asyncio.sleep(ttl.total_seconds() / 3)
        if not await svc.renew(lease, ttl):
            log.warning("job %s: another worker took over period %s", lease.name, lease.period)
            return


def leased(name: str, every: float, callback: JobCallback) -> JobCallback:
    """The job run at most once per period of ``every`` seconds across all workers."""
    period = timedelta(seconds=every)
    ttl = timedelta(seconds=LEASE_SECONDS)
    running: set[str] = set()  # this worker's run in progress, if any (one wrapper per bot)

    @functools.wraps(callback)
    async def run(context: CallbackContext[Any, Any, Any, Any]) -> None:
        if running:
            return  # a long run outlasts the check interval: the next check waits for it
        svc = LeaseService(services(context).ctx)
        lease = await svc.acquire(name, period, worker_name(), ttl)
        if lease is None:
            return
        running.add(name)
        keeper = asyncio.create_task(_keep(svc, lease, ttl))
        done = False
        try:
            await callback(context)
            done = True
        finally:
            running.discard(name)
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            await svc.finish(lease, done=done)

    return run


PRESENCE_SECONDS = 10.0
"""How often a worker on a shared database says it is alive and counts the others."""
PRESENCE_TTL = timedelta(seconds=30)
"""How long a worker that stopped saying so is still counted."""


async def presence_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Count the workers alive on this database and keep to this one's share of Telegram's
    limits (see :mod:`bot.ratelimit`)."""
    alive = await PresenceService(services(context).ctx).here(worker_name(), PRESENCE_TTL)
    limiter = context.bot.rate_limiter
    if isinstance(limiter, PacedRateLimiter) and limiter.workers != alive:
        log.info("%d worker(s) alive: this one sends its share of Telegram's limits", alive)
        limiter.share(alive)


async def leave(app: SpotterApplication) -> None:
    """At stop: the other workers stop counting this one at once (a worker that dies is
    dropped when its presence runs out instead)."""
    if not _shared(app):
        return
    try:
        await PresenceService(app.services.ctx).leave(worker_name())
    except (OSError, DBAPIError) as error:
        log.warning("could not withdraw this worker's presence: %s", error.__class__.__name__)


def _shared(app: Application[Any, Any, Any, Any, Any, Any]) -> bool:
    persistence = app.persistence
    return isinstance(persistence, SqlPersistence) and persistence.shared


def register_jobs(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Schedule every repeating job. Without a JobQueue (some tests) nothing is scheduled."""
    if app.job_queue is None:
        return
    if _shared(app):
        app.job_queue.run_repeating(
            presence_job, interval=PRESENCE_SECONDS, first=0, name="presence"
        )
    for name, every, first, callback in REPEATING_JOBS:
        interval = every(app) if callable(every) else every
        job = callback if name in INTERACTIVE_JOBS else bulk_job(callback)
        tick = interval
        options: dict[str, Any] = {}
        if name not in CLAIMING_JOBS:
            job = leased(name, interval, job)
            tick = min(interval, LEASE_CHECK_SECONDS)
            # A check while this worker's run goes on returns at once (instead of the scheduler
            # skipping it with a warning).
            options["max_instances"] = 2
        app.job_queue.run_repeating(
            job, interval=tick, first=first, name=name, job_kwargs=options or None
        )
        log.debug("scheduled job %s every %.0f s", name, interval)
