"""The rate limiter: Telegram's limits, with replies to the person acting ahead of bulk sends.

:class:`PacedRateLimiter` keeps what AIORateLimiter gave the bot (about 30 calls a second
overall for calls aimed at a chat, 20 a minute per group, a paid-broadcast lane, and a
``RetryAfter`` that halts every call for its delay before the call is retried up to
``max_retries`` times), and adds one thing: calls made in **bulk** (reminders, urgent notices,
digests: everything a repeating job sends) are paced to ``bulk_per_second``, one at a time,
below the overall limit, so the rest of the second is left to interactive replies. An
interactive call never queues behind bulk ones: it takes a token straight away when there is
one, and when there is none it is served before any bulk call waiting for the same token.

A call is bulk when it is made inside :func:`bulk_sends` (``bot.jobs`` wraps every repeating
job in it). Anything else, in particular a call made while handling an update, is interactive.

The interactive path is a few arithmetic steps and no extra awaits: no lock, no event, no
nested coroutine. Time and sleeping are injectable so tests can drive the limiter with a
manual clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextvars import ContextVar
from typing import Any

from telegram.constants import FloodLimit
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger("spotter.ratelimit")

JSONDict = dict[str, Any]
Result = bool | JSONDict | list[JSONDict]

_BULK: ContextVar[bool] = ContextVar("spotter_bulk_sends", default=False)

MAX_GROUP_LIMITERS = 512
EPSILON = 1e-9
"""A token refilled up to rounding counts as whole (else a waiter could sleep for nothing)."""


@contextlib.contextmanager
def bulk_sends() -> Iterator[None]:
    """Mark every Bot API call made inside (in this task) as a bulk send."""
    token = _BULK.set(True)
    try:
        yield
    finally:
        _BULK.reset(token)


def is_bulk() -> bool:
    """Whether calls made here are bulk sends."""
    return _BULK.get()


class _Bucket:
    """A token bucket: ``capacity`` tokens, refilled at ``rate`` a second."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def take(self, now: float) -> bool:
        """Take a token if there is one."""
        self.refill(now)
        if self.tokens >= 1 - EPSILON:
            self.tokens = max(0.0, self.tokens - 1)
            return True
        return False

    def wait(self) -> float:
        """Seconds until the next token (after a :meth:`refill`)."""
        return max(EPSILON, (1 - self.tokens) / self.rate)

    @property
    def full(self) -> bool:
        return self.tokens >= self.capacity - EPSILON


class PacedRateLimiter(BaseRateLimiter[int]):
    """AIORateLimiter's limits plus bulk pacing and priority for interactive calls.

    Args:
        overall_max_rate: calls a second aimed at a chat, all kinds together (0: no limit).
        bulk_per_second: the pace of bulk calls, one at a time (0: bulk is not paced apart).
        group_max_rate: calls per ``group_time_period`` to one group or channel (0: no limit).
        group_time_period: seconds of the group limit.
        max_retries: retries after a ``RetryAfter``; a call's ``rate_limit_args`` overrides it.
        clock: monotonic seconds (a test passes a manual clock).
        sleep: how to wait (a test passes one that advances its manual clock).
    """

    __slots__ = (
        "_blocked_until",
        "_bulk_interval",
        "_bulk_lock",
        "_group_capacity",
        "_group_rate",
        "_groups",
        "_max_retries",
        "_next_bulk",
        "_overall",
        "_paid",
        "_priority_waiting",
        "clock",
        "sleep",
    )

    def __init__(
        self,
        overall_max_rate: float = FloodLimit.MESSAGES_PER_SECOND,
        bulk_per_second: float = 20.0,
        group_max_rate: float = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        group_time_period: float = 60.0,
        max_retries: int = 0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        now = clock()
        self._overall = (
            _Bucket(overall_max_rate, overall_max_rate, now) if overall_max_rate > 0 else None
        )
        self._paid = _Bucket(
            FloodLimit.PAID_MESSAGES_PER_SECOND, FloodLimit.PAID_MESSAGES_PER_SECOND, now
        )
        self._bulk_interval = 1.0 / bulk_per_second if bulk_per_second > 0 else 0.0
        self._next_bulk = now
        self._bulk_lock = asyncio.Lock()
        if group_max_rate > 0 and group_time_period > 0:
            self._group_rate = group_max_rate / group_time_period
            self._group_capacity = group_max_rate
        else:
            self._group_rate = self._group_capacity = 0.0
        self._groups: dict[int | str, _Bucket] = {}
        self._max_retries = max_retries
        self._blocked_until = 0.0
        self._priority_waiting = 0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    # ------------------------------------------------------------------ waiting for tokens

    async def _wait_blocked(self) -> None:
        """Wait while a ``RetryAfter`` halts every call."""
        while (left := self._blocked_until - self.clock()) > 0:
            await self.sleep(left)

    async def _take_interactive(self, bucket: _Bucket) -> None:
        """A token for an interactive call: ahead of every bulk call waiting for one."""
        self._priority_waiting += 1
        try:
            while not bucket.take(self.clock()):
                await self.sleep(bucket.wait())
        finally:
            self._priority_waiting -= 1

    async def _take_bulk(self, bucket: _Bucket | None) -> None:
        """The next bulk slot, then a token no interactive call is waiting for."""
        async with self._bulk_lock:
            if self._bulk_interval:
                left = self._next_bulk - self.clock()
                if left > 0:
                    await self.sleep(left)
                self._next_bulk = max(self.clock(), self._next_bulk) + self._bulk_interval
            if bucket is None:
                return
            while True:
                now = self.clock()
                bucket.refill(now)
                if not self._priority_waiting and bucket.take(now):
                    return
                await self.sleep(max(bucket.wait(), 1.0 / bucket.rate))

    async def _take_group(self, group: int | str) -> None:
        bucket = self._groups.get(group)
        if bucket is None:
            if len(self._groups) > MAX_GROUP_LIMITERS:
                now = self.clock()
                for key, other in list(self._groups.items()):
                    other.refill(now)
                    if other.full:
                        del self._groups[key]
            bucket = self._groups[group] = _Bucket(
                self._group_rate, self._group_capacity, self.clock()
            )
        while not bucket.take(self.clock()):
            await self.sleep(bucket.wait())

    async def _acquire(self, chat_id: Any, paid: bool, bulk: bool) -> None:
        if self._blocked_until:
            await self._wait_blocked()
        if chat_id is None:
            return
        if paid:
            if not self._paid.take(self.clock()):
                await self._take_interactive(self._paid)
            return
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        if self._group_rate and (isinstance(chat_id, str) or chat_id < 0):
            await self._take_group(chat_id)
        overall = self._overall
        if bulk and self._bulk_interval:
            await self._take_bulk(overall)
        elif overall is not None and (self._priority_waiting or not overall.take(self.clock())):
            await self._take_interactive(overall)

    # ------------------------------------------------------------------ the hook

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        chat_id = data.get("chat_id")
        paid = bool(data.get("allow_paid_broadcast", False))
        bulk = _BULK.get()
        retries = rate_limit_args or self._max_retries
        attempt = 0
        while True:
            await self._acquire(chat_id, paid, bulk)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt >= retries:
                    log.warning("%s: flood control after %d retries", endpoint, retries)
                    raise
                attempt += 1
                delay = error.retry_after
                seconds = delay if isinstance(delay, int | float) else delay.total_seconds()
                until = self.clock() + seconds + 0.1
                self._blocked_until = max(self._blocked_until, until)
                log.info("flood control: every call waits %.1f s", seconds + 0.1)


__all__ = ["PacedRateLimiter", "bulk_sends", "is_bulk"]
