"""Repeating jobs on PTB's JobQueue. Each job claims work from the database in batches.

There is never one in-memory job per item: a job asks a service what is due, acts, and the
service records what was done, so a restart picks up exactly where the last run stopped.

Everything a repeating job sends is a bulk send (:func:`bot.ratelimit.bulk_sends`): the rate
limiter paces it below Telegram's overall limit, behind the replies to people acting.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.dispatch import dispatch_job, scan_interval
from bot.ratelimit import bulk_sends
from conversations.alerts import alert_scan_job, urgent_job
from conversations.clients import expire_relationships
from conversations.dashboard import digest_job
from conversations.log import abandon_stale_sessions

log = logging.getLogger("spotter.jobs")

JobCallback = Callable[[CallbackContext[Any, Any, Any, Any]], Coroutine[Any, Any, None]]

# The interval may also be read from the application (its settings) when the jobs are scheduled.
Interval = float | Callable[[Application[Any, Any, Any, Any, Any, Any]], float]

# (name, interval in seconds, first run after seconds, callback). Features append here.
REPEATING_JOBS: list[tuple[str, Interval, float, JobCallback]] = [
    ("relationship_expiry", 3600.0, 60.0, expire_relationships),
    ("reminders", scan_interval, 5.0, dispatch_job),
    ("abandon_live_sessions", 600.0, 60.0, abandon_stale_sessions),
    ("alert_scan", 3600.0, 120.0, alert_scan_job),
    ("alert_notify", 30.0, 30.0, urgent_job),
    ("daily_digest", 300.0, 90.0, digest_job),
]


def bulk_job(callback: JobCallback) -> JobCallback:
    """The job with every call it makes to the Bot API marked as a bulk send."""

    @functools.wraps(callback)
    async def run(context: CallbackContext[Any, Any, Any, Any]) -> None:
        with bulk_sends():
            await callback(context)

    return run


def register_jobs(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Schedule every repeating job. Without a JobQueue (some tests) nothing is scheduled."""
    if app.job_queue is None:
        return
    for name, every, first, callback in REPEATING_JOBS:
        interval = every(app) if callable(every) else every
        app.job_queue.run_repeating(bulk_job(callback), interval=interval, first=first, name=name)
        log.debug("scheduled job %s every %.0f s", name, interval)
