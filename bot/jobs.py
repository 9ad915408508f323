"""Repeating jobs on PTB's JobQueue. Each job claims work from the database in batches.

There is never one in-memory job per item: a job asks a service what is due, acts, and the
service records what was done, so a restart picks up exactly where the last run stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import Application, CallbackContext

log = logging.getLogger("spotter.jobs")

JobCallback = Callable[[CallbackContext[Any, Any, Any, Any]], Coroutine[Any, Any, None]]

# (name, interval in seconds, first run after seconds, callback). Features append here.
REPEATING_JOBS: list[tuple[str, float, float, JobCallback]] = []


def register_jobs(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Schedule every repeating job. Without a JobQueue (some tests) nothing is scheduled."""
    if app.job_queue is None:
        return
    for name, interval, first, callback in REPEATING_JOBS:
        app.job_queue.run_repeating(callback, interval=interval, first=first, name=name)
        log.debug("scheduled job %s every %.0f s", name, interval)
