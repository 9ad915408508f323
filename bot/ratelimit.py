"""The rate limiter: PTB's AIORateLimiter, with bulk sends paced behind replies to people acting.

Telegram allows a bot about 30 messages a second. AIORateLimiter keeps the bot within that (and
within 20 a minute per group), and on ``RetryAfter`` halts every call for the delay and retries.
What it cannot know is which calls may wait: a reminder may go out a second later, the live card
of a trainer between two sets may not.

So calls made in **bulk** (reminders, urgent notices, digests: everything a repeating job sends,
see :func:`bulk_sends`) first wait for a slot of their own, paced to ``bulk_per_second`` (20 by
default, ``BULK_SENDS_PER_SECOND``), and only then join AIORateLimiter with every other call.
Bulk sends therefore never take more than that share of Telegram's 30 a second, and the rest is
always free for interactive replies, which go straight to AIORateLimiter and never queue behind
the bulk ones. A call made while handling an update is interactive.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

JSONDict = dict[str, Any]
Result = bool | JSONDict | list[JSONDict]

_BULK: ContextVar[bool] = ContextVar("spotter_bulk_sends", default=False)


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


class PacedRateLimiter(AIORateLimiter):
    """AIORateLimiter, with bulk calls paced to ``bulk_per_second`` before they join it."""

    def __init__(self, *, bulk_per_second: float = 20.0, max_retries: int = 0) -> None:
        super().__init__(max_retries=max_retries)
        # One call per 1/rate seconds, with no burst: bulk sends leave a steady share free.
        self._bulk = AsyncLimiter(1, 1 / bulk_per_second)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        if _BULK.get():
            async with self._bulk:
                pass  # the slot is taken; the call itself goes through AIORateLimiter below
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
