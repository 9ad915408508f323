"""Who this worker is, and, in polling mode on PostgreSQL, which worker polls.

:func:`worker_name` names the process from its host and process id, for job leases and logs.

Polling with a standby
----------------------
Telegram lets one client at a time call ``getUpdates`` (a second one gets 409 Conflict), so
workers started in polling mode on one PostgreSQL database elect a leader: a session-level
advisory lock (:class:`storage.advisory.SessionLock`) on a connection of its own. The leader
builds the bot and polls; the others stand by, trying the lock every
:data:`RETRY_SECONDS`, with nothing loaded, so a new leader starts from what the database holds.
The leader checks its lock's connection every :data:`CHECK_SECONDS`; on losing it, it stops
polling, shuts the bot down and stands by. A leader killed outright frees the lock with its
connection, and a standby takes over within seconds; one cut off from the database frees it
after :data:`IDLE_TIMEOUT_SECONDS`, after it has itself stopped polling.

Updates are confirmed only once handled (:class:`HandledOffsetPoller`): the offset sent with
each ``getUpdates`` is the oldest update still being handled, so Telegram keeps every update a
dying leader had fetched but not finished, and the next leader gets it again. One that was
finished already is recognised by its handled mark in the database and answered once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.worker import worker_name
from storage.advisory import SessionLock

log = logging.getLogger("spotter.leader")

LEADER_LOCK = 0x5370_6F74_506F_6C6C  # "SpotPoll" as a bigint: the polling leader's lock key
RETRY_SECONDS = 2.0
CHECK_SECONDS = 5.0
IDLE_TIMEOUT_SECONDS = 20
POLL_TIMEOUT_SECONDS = 10
DRAIN_SECONDS = 10.0
STEP_DOWN_SECONDS = 3 * RETRY_SECONDS
MAX_BACKOFF_SECONDS = 30.0

App = Application[Any, Any, Any, Any, Any, Any]


class HandledOffsetPoller:
    """Long polling that confirms an update to Telegram only after it has been handled.

    Updates run concurrently through the application's update processor (one chat's in order).
    The offset is the oldest update still running; updates Telegram returns again because they
    are still running are not started twice.
    """

    def __init__(self, app: App, *, timeout: int = POLL_TIMEOUT_SECONDS) -> None:
        self.app = app
        self.timeout = timeout
        self.in_flight: dict[int, asyncio.Task[None]] = {}
        self.newest = -1

    def offset(self) -> int | None:
        if self.in_flight:
            return min(self.in_flight)
        return self.newest + 1 if self.newest >= 0 else None

    async def run(self) -> None:
        """Poll until cancelled. Network trouble and conflicts wait and try again."""
        backoff = 1.0
        while True:
            try:
                updates = await self.app.bot.get_updates(
                    offset=self.offset(),
                    timeout=self.timeout,
                    allowed_updates=Update.ALL_TYPES,
                )
            except InvalidToken:
                raise
            except TelegramError as error:
                log.warning("getUpdates failed (%s); trying again in %.0f s", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            backoff = 1.0
            fresh = [u for u in updates if u.update_id > self.newest]
            for update in fresh:
                self._start(update)
            if updates and not fresh and self.in_flight:
                # Only updates still running came back: wait for one to end, not spin.
                await asyncio.wait(
                    list(self.in_flight.values()),
                    timeout=1.0,
                    return_when=asyncio.FIRST_COMPLETED,
                )

    def _start(self, update: Update) -> None:
        self.newest = update.update_id
        task = asyncio.create_task(self._handle(update))
        self.in_flight[update.update_id] = task
        task.add_done_callback(functools.partial(self._finished, update.update_id))

    def _finished(self, update_id: int, _task: asyncio.Task[None]) -> None:
        self.in_flight.pop(update_id, None)

    async def _handle(self, update: Update) -> None:
        app = self.app
        await app.update_processor.process_update(update, app.process_update(update))

    async def drain(self, seconds: float) -> None:
        """Let the updates being handled finish (at most ``seconds``)."""
        running = list(self.in_flight.values())
        if not running:
            return
        _done, late = await asyncio.wait(running, timeout=seconds)
        for task in late:
            task.cancel()


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds``; true at once if ``stop`` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def _become_leader(lock: SessionLock, stop: asyncio.Event) -> bool:
    """Wait for the lock; false if stopped first."""
    told = False
    while not stop.is_set():
        if await lock.try_acquire():
            return True
        if not told:
            log.info("standby: another worker is polling; %s takes over if it stops", worker_name())
            told = True
        if await _sleep_unless(stop, RETRY_SECONDS):
            return False
    return False


async def _wait_any(events: tuple[asyncio.Event, ...], seconds: float) -> None:
    """Wait until one of ``events`` is set, or ``seconds`` have passed."""
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def _watch(lock: SessionLock, stop: asyncio.Event) -> bool:
    """Return true when the lock's connection is lost, false when stopped. The driver reports
    a closed connection at once; a silent one is found by the check every few seconds."""
    while True:
        await _wait_any((stop, lock.lost), CHECK_SECONDS)
        if stop.is_set():
            return False
        if not await lock.check():
            return True


async def _lead(app: App, lock: SessionLock, stop: asyncio.Event) -> bool:
    """Run the bot as the polling leader until stopped (false) or the lock is lost (true)."""
    poller = HandledOffsetPoller(app)
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.bot.delete_webhook()
        await app.start()
        polling = asyncio.create_task(poller.run())
        watching = asyncio.create_task(_watch(lock, stop))
        done, _ = await asyncio.wait({polling, watching}, return_when=asyncio.FIRST_COMPLETED)
        for task in (polling, watching):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if polling in done:
            polling.result()  # an error polling cannot get past (a refused token)
        await poller.drain(DRAIN_SECONDS)
        return watching.result() if watching in done else False
    finally:
        if app.running:
            await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


async def serve_polling(database_url: str, build: Callable[[], App]) -> None:
    """Poll as the leader or stand by until SIGINT or SIGTERM (PostgreSQL only)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    lock = SessionLock(
        database_url,
        LEADER_LOCK,
        idle_timeout_s=IDLE_TIMEOUT_SECONDS,
        query_timeout_s=CHECK_SECONDS,
    )
    try:
        while await _become_leader(lock, stop):
            log.info("polling leader: %s polls Telegram", worker_name())
            if not await _lead(build(), lock, stop):
                return
            log.warning("polling leader %s lost its lock; standing by", worker_name())
            # Let a standby with a sound connection take over first, rather than flap back.
            if await _sleep_unless(stop, STEP_DOWN_SECONDS):
                return
    finally:
        await lock.close()
