"""The rate limiter: PTB's AIORateLimiter, with bulk sends paced behind replies to people acting.

Telegram allows a bot about 30 messages a second. AIORateLimiter keeps the bot within that (and
within 20 a minute per group), and on ``RetryAfter`` halts every call for the delay and retries.
What it cannot know is which calls may wait: a reminder may go out a second later, the live card
of a trainer between two sets may not.

So calls made in **bulk** (reminders, urgent notices, digests: everything a repeating job sends,
see :func:`bulk_sends`) first wait for a slot of their own, paced to ``bulk_per_second`` (20 by
default, ``BULK_SENDS_PER_SECOND``), and then also wait while the calls of the last second
(replies included) leave less than :data:`REPLY_HEADROOM` of Telegram's 30 a second free. Only
then do they join AIORateLimiter with every other call. Interactive replies go straight to
AIORateLimiter: when people are busy, bulk sends slow down to what they leave, so a reply never
queues behind a digest. A call made while handling an update is interactive.

Replies to **heavy** updates (a chart, a progress summary, a dashboard, an export, an import: see
:mod:`conversations.heavy`) are interactive but *patient* (:func:`patient_sends`): the person
asked for work that takes a second or more anyway. They are not paced, but they too wait while
the last second's calls leave less than :data:`REPLY_HEADROOM` free. When twenty people ask for
charts at once and ten dashboards are opened while trainers log sets, the replies together want
more than Telegram's 30 a second. The set-logging replies then queued behind the charts:
set-logging p99 was 84 ms, against 8 ms at idle (bench.mixed, small size, charts and dashboards
together). Now the charts wait a little and the live cards do not (p99 8–10 ms).

Only calls that send or edit a message count against these limits. Telegram counts sends and
edits together, per chat and per bot; deleting a message, answering a button press and the
like are not sends (its Bot API developers: "limits for message editing and sending are
shared", and deleting has limits "high enough to cover all reasonable usages"). So those calls
skip the overall limiter and the pacing: the old live card deleted below a typed set does not
take a slot a reply needs.

Telegram's limits are per bot, not per process. Several workers on one database count each
other (:class:`coaching.services.timers.PresenceService`, every few seconds) and each keeps to
its share (:meth:`PacedRateLimiter.share`): with three alive, each sends at most 10 calls a
second, and its bulk sends at most a third of ``bulk_per_second``. A worker that dies stops
being counted within :data:`bot.jobs.PRESENCE_TTL`, and the others take its share back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.constants import FloodLimit
from telegram.ext import AIORateLimiter

JSONDict = dict[str, Any]
Result = bool | JSONDict | list[JSONDict]

_BULK: ContextVar[bool] = ContextVar("spotter_bulk_sends", default=False)
_PATIENT: ContextVar[bool] = ContextVar("spotter_patient_sends", default=False)

REPLY_HEADROOM = 5
"""Calls a second a bulk send always leaves free for replies to people acting."""

_MESSAGE_METHODS = ("send", "copyMessage", "forwardMessage", "editMessage")
"""The Bot API methods that send or edit a message (by name prefix): the ones Telegram's flood
limits count."""


def counts_against_limits(endpoint: str) -> bool:
    """Whether a Bot API call sends or edits a message, and so counts against Telegram's
    per-bot and per-chat limits."""
    return endpoint.startswith(_MESSAGE_METHODS)


@contextlib.contextmanager
def _marked(mark: ContextVar[bool]) -> Iterator[None]:
    """Set ``mark`` for every Bot API call made inside (in this task)."""
    token = mark.set(True)
    try:
        yield
    finally:
        mark.reset(token)


def bulk_sends() -> contextlib.AbstractContextManager[None]:
    """Mark every Bot API call made inside (in this task) as a bulk send."""
    return _marked(_BULK)


def is_bulk() -> bool:
    """Whether calls made here are bulk sends."""
    return _BULK.get()


def patient_sends() -> contextlib.AbstractContextManager[None]:
    """Mark every Bot API call made inside (in this task) as a reply that yields to lighter
    ones when Telegram's limit is near: the answer to a heavy update."""
    return _marked(_PATIENT)


def is_patient() -> bool:
    """Whether calls made here are patient replies."""
    return _PATIENT.get()


class PacedRateLimiter(AIORateLimiter):
    """AIORateLimiter, with bulk calls paced and yielding to replies before they join it."""

    def __init__(
        self,
        *,
        bulk_per_second: float = 20.0,
        overall_per_second: float = FloodLimit.MESSAGES_PER_SECOND,
        max_retries: int = 0,
    ) -> None:
        super().__init__(overall_max_rate=overall_per_second, max_retries=max_retries)
        self._bulk_per_second = bulk_per_second
        self._overall_per_second = overall_per_second
        self.workers = 1
        # One call per 1/rate seconds, with no burst: bulk sends leave a steady share free.
        self._bulk = AsyncLimiter(1, 1 / bulk_per_second)
        self._overall = overall_per_second
        self._headroom: float = REPLY_HEADROOM
        # When the calls of the last second went out (monotonic seconds), oldest first.
        self._recent: deque[float] = deque()

    def share(self, workers: int) -> None:
        """Telegram's limits are per bot, and ``workers`` processes send for this one: keep
        this process to its share of the overall and the bulk rate."""
        workers = max(1, workers)
        if workers == self.workers:
            return
        self.workers = workers
        overall = self._overall_per_second / workers
        self._overall = overall
        self._headroom = REPLY_HEADROOM / workers
        self._bulk = AsyncLimiter(1, workers / self._bulk_per_second)
        # AIORateLimiter keeps its overall limiter here; a new one takes the calls from now on.
        self._base_limiter = AsyncLimiter(max_rate=overall, time_period=1)

    def _until_room(self, now: float) -> float:
        """Seconds until the last second's calls leave room for a bulk send (0: room now)."""
        recent = self._recent
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        excess = len(recent) - int(self._overall - self._headroom)
        if excess <= 0:
            return 0.0
        return recent[excess - 1] + 1.0 - now

    async def _room(self) -> None:
        """Wait until the last second's calls leave :data:`REPLY_HEADROOM` free."""
        while (wait := self._until_room(time.monotonic())) > 0:  # noqa: ASYNC110
            # Until enough of the last second's calls have aged out; replies sent meanwhile
            # count too, hence the loop. The caller records its call before it next awaits,
            # so waiters woken together see each other's calls.
            await asyncio.sleep(wait)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        if not counts_against_limits(endpoint):
            # AIORateLimiter limits a call by its chat: without one, it only waits out a
            # RetryAfter and retries, as for every call.
            data = {key: value for key, value in data.items() if key != "chat_id"}
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        if _BULK.get():
            async with self._bulk:
                pass  # the slot is taken; the call itself goes through AIORateLimiter below
            await self._room()
        elif _PATIENT.get():
            await self._room()
        self._recent.append(time.monotonic())
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
