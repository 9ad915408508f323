"""Delayed messages and periodic jobs that survive the worker that set them up.

* **Delayed messages** (the rest timer's "rest over") are rows, not jobs in one process's
  memory: any worker's timer dispatcher sends a due row, once, even when the worker that set it
  has died. Setting one again under the same key replaces it; cancelling removes it.
* **Job leases**: each periodic job runs once per period across all workers. A run first takes
  the job's lease for the current period; the lease expires unless its holder renews it, so
  when the holder dies mid-run another worker takes the period over.
* **Presence**: each worker holds a lease of its own that it renews while it runs, so every
  worker can count the workers alive (and share Telegram's limits with them).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from coaching.services.base import Service

log = logging.getLogger("spotter.timers")

STALE_AFTER = timedelta(minutes=10)
"""A delayed message found this long after it fell due (every worker was down) is dropped
unsent: "rest over" ten minutes late only confuses."""


@dataclass(frozen=True, slots=True)
class DueMessage:
    """A delayed message to send now: it is no longer stored, so it is sent at most once."""

    key: str
    chat_id: int
    text: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Lease:
    """A periodic job's run for one period, held by one worker."""

    name: str
    period: int
    holder: str


def period_of(now: datetime, every: timedelta) -> int:
    """The number of the period of length ``every`` that ``now`` falls in (counted from the
    Unix epoch, so every worker computes the same number)."""
    seconds = max(1, int(every.total_seconds()))
    return int(now.timestamp()) // seconds


class TimerService(Service):
    """Scheduling, cancelling and taking due delayed messages."""

    async def schedule(self, key: str, chat_id: int, text: str, delay: timedelta) -> None:
        """Send ``text`` to ``chat_id`` after ``delay``, replacing what ``key`` had scheduled."""
        due = self.ctx.clock.now() + delay
        async with self.ctx.uow() as uow:
            await uow.delayed_messages.put(key, chat_id, text, due)
            await uow.commit()

    async def cancel(self, key: str) -> None:
        async with self.ctx.uow() as uow:
            await uow.delayed_messages.cancel(key)
            await uow.commit()

    async def take_due(self, limit: int = 100) -> list[DueMessage]:
        """Remove up to ``limit`` due messages from the table and return the ones to send.

        Taking deletes: a worker that stops between this commit and the send loses that one
        message rather than letting a second worker send it again. Messages overdue by more
        than :data:`STALE_AFTER` are dropped unsent.
        """
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            repo = uow.delayed_messages
            if not await repo.any_due(now):
                return []  # the usual case, every second: one indexed read, no write
            rows = await repo.take_due(now, limit)
            await uow.commit()
        fresh = [DueMessage(r.key, r.chat_id, r.text, r.due_at) for r in rows]
        stale = [m for m in fresh if now - m.due_at > STALE_AFTER]
        if stale:
            log.info("dropped %d delayed message(s) found too late to be useful", len(stale))
        return [m for m in fresh if now - m.due_at <= STALE_AFTER]

    async def pending(self, key: str) -> DueMessage | None:
        """What ``key`` has scheduled, if anything."""
        async with self.ctx.uow() as uow:
            row = await uow.delayed_messages.pending(key)
        return None if row is None else DueMessage(row.key, row.chat_id, row.text, row.due_at)


class LeaseService(Service):
    """Taking, renewing and closing periodic jobs' leases."""

    async def acquire(
        self, name: str, every: timedelta, holder: str, ttl: timedelta
    ) -> Lease | None:
        """This period's lease on job ``name``, or ``None`` when the job already ran in this
        period or another worker holds a lease on it that has not expired."""
        now = self.ctx.clock.now()
        period = period_of(now, every)
        async with self.ctx.uow() as uow:
            taken = await uow.job_leases.acquire(name, period, holder, now + ttl, now)
            await uow.commit()
        return Lease(name, period, holder) if taken else None

    async def renew(self, lease: Lease, ttl: timedelta) -> bool:
        """Keep the lease for ``ttl`` more; false if another worker has taken it over."""
        async with self.ctx.uow() as uow:
            kept = await uow.job_leases.renew(
                lease.name, lease.period, lease.holder, self.ctx.clock.now() + ttl
            )
            await uow.commit()
        return kept

    async def finish(self, lease: Lease, *, done: bool = True) -> None:
        """The run ended: ``done`` marks the period as run; otherwise the lease is released
        so that any worker may try the period again at once."""
        async with self.ctx.uow() as uow:
            await uow.job_leases.finish(
                lease.name, lease.period, lease.holder, done=done, at=self.ctx.clock.now()
            )
            await uow.commit()


PRESENCE_PREFIX = "worker:"


def presence_name(holder: str) -> str:
    """The lease a worker holds to be counted: a fixed-length name, whatever its host's."""
    digest = hashlib.blake2s(holder.encode(), digest_size=12).hexdigest()
    return PRESENCE_PREFIX + digest


class PresenceService(Service):
    """Workers counting each other through their presence leases."""

    async def here(self, holder: str, ttl: timedelta) -> int:
        """``holder`` is alive for ``ttl`` more; how many workers are alive now (itself
        included). A worker that stops renewing is no longer counted once ``ttl`` runs out."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            await uow.job_leases.beat(presence_name(holder), holder, now + ttl)
            alive = await uow.job_leases.count_held(PRESENCE_PREFIX, now)
            await uow.commit()
        return max(1, alive)

    async def leave(self, holder: str) -> None:
        """``holder`` stops: the others stop counting it at once."""
        async with self.ctx.uow() as uow:
            await uow.job_leases.drop(presence_name(holder), holder)
            await uow.commit()
