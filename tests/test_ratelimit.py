"""The rate limiter: bulk sends paced, interactive replies never queued behind them.

Time is simulated: the limiter reads a fake clock and sleeps on fake timers, which the test
advances only when every task is waiting. Assertions are on the simulated send times and on
the order of calls, never on wall-clock timing.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, cast

import pytest
from telegram.error import RetryAfter

from bot.jobs import bulk_job
from bot.ratelimit import PacedRateLimiter, bulk_sends, is_bulk


class FakeTime:
    """A clock that moves only when every task is asleep, straight to the next wake-up."""

    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + max(seconds, 0.0), next(self._order), future))
        await future

    async def run(self, *work: Coroutine[Any, Any, Any]) -> list[Any]:
        tasks = [asyncio.ensure_future(w) for w in work]
        while True:
            for _ in range(20):  # let every runnable task reach its next wait
                await asyncio.sleep(0)
            if all(t.done() for t in tasks):
                return [t.result() for t in tasks]
            assert self._timers, "deadlock: tasks wait but no timer is set"
            when, _, future = heapq.heappop(self._timers)
            self.now = max(self.now, when)
            future.set_result(None)


class Recorder:
    def __init__(self, fake: FakeTime) -> None:
        self.fake = fake
        self.calls: list[tuple[str, float]] = []

    def send(self, limiter: PacedRateLimiter, label: str, chat_id: int | str = 1) -> Any:
        async def callback() -> bool:
            self.calls.append((label, self.fake.now))
            return True

        return limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": chat_id}, None)


def make(fake: FakeTime, **kwargs: Any) -> PacedRateLimiter:
    return PacedRateLimiter(clock=fake.clock, sleep=fake.sleep, **kwargs)


async def test_bulk_is_paced_and_interactive_goes_straight_out() -> None:
    fake = FakeTime()
    limiter = make(fake, bulk_per_second=5)
    sent = Recorder(fake)

    async def job() -> None:
        with bulk_sends():
            for number in range(10):
                await sent.send(limiter, f"bulk{number}", 100 + number)

    async def reply() -> None:
        await fake.sleep(0.5)  # a person writes while the job is halfway through
        await sent.send(limiter, "reply", 7)

    await fake.run(job(), reply())
    bulk_times = [at for label, at in sent.calls if label.startswith("bulk")]
    assert bulk_times == pytest.approx([n * 0.2 for n in range(10)])
    assert ("reply", 0.5) in sent.calls  # sent the moment it was made, not after the job
    labels = [label for label, _ in sent.calls]
    assert labels.index("reply") < labels.index("bulk3")


async def test_interactive_calls_take_the_next_token_before_bulk() -> None:
    """With the overall bucket empty, a waiting reply is served before waiting bulk calls."""
    fake = FakeTime()
    limiter = make(fake, overall_max_rate=3, bulk_per_second=1000)
    sent = Recorder(fake)

    async def job() -> None:
        with bulk_sends():
            for number in range(6):
                await sent.send(limiter, f"bulk{number}", 100 + number)

    async def replies() -> None:
        await fake.sleep(0.01)  # after the job emptied the bucket
        await asyncio.gather(*(sent.send(limiter, f"reply{n}", 7 + n) for n in range(2)))

    await fake.run(job(), replies())
    labels = [label for label, _ in sent.calls]
    assert labels[:3] == ["bulk0", "bulk1", "bulk2"]
    assert labels[3:5] == ["reply0", "reply1"]
    assert labels[5:] == ["bulk3", "bulk4", "bulk5"]
    # Never more than the overall limit: 3 in any second (the bucket starts full).
    times = [at for _, at in sent.calls]
    assert all(times[i + 3] - times[i] >= 1 / 3 - 1e-9 for i in range(len(times) - 3))


async def test_retry_after_halts_every_call_then_retries() -> None:
    fake = FakeTime()
    limiter = make(fake, max_retries=2)
    calls: list[tuple[str, float]] = []
    failures = iter([RetryAfter(timedelta(seconds=3))])

    async def flooded() -> bool:
        calls.append(("flooded", fake.now))
        error = next(failures, None)
        if error is not None:
            raise error
        return True

    async def other() -> bool:
        calls.append(("other", fake.now))
        return True

    async def later() -> Any:
        await fake.sleep(1)
        return await limiter.process_request(other, (), {}, "sendMessage", {"chat_id": 2}, None)

    first = limiter.process_request(flooded, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert await fake.run(first, later()) == [True, True]
    assert calls[0] == ("flooded", 0.0)
    assert [label for label, _ in calls[1:]] in (["flooded", "other"], ["other", "flooded"])
    assert all(at == pytest.approx(3.1) for _, at in calls[1:])


async def test_retry_after_beyond_the_retries_is_raised() -> None:
    fake = FakeTime()
    limiter = make(fake)

    async def flooded() -> bool:
        raise RetryAfter(timedelta(seconds=1))

    with pytest.raises(RetryAfter):
        await fake.run(
            limiter.process_request(flooded, (), {}, "sendMessage", {"chat_id": 1}, None)
        )


async def test_groups_keep_their_own_limit() -> None:
    fake = FakeTime()
    limiter = make(fake, group_max_rate=2, group_time_period=60)
    sent = Recorder(fake)

    async def group() -> None:
        for number in range(3):
            await sent.send(limiter, f"group{number}", -100)

    await fake.run(group(), sent.send(limiter, "private", 5))
    assert dict(sent.calls)["group2"] == pytest.approx(30.0)
    assert dict(sent.calls)["private"] == 0.0


async def test_calls_without_a_chat_are_not_limited() -> None:
    fake = FakeTime()
    limiter = make(fake, overall_max_rate=1)
    done: list[float] = []

    async def answer() -> bool:
        done.append(fake.now)
        return True

    for _ in range(5):
        await limiter.process_request(answer, (), {}, "answerCallbackQuery", {}, None)
    assert done == [0.0] * 5


async def test_repeating_jobs_send_in_bulk() -> None:
    seen: list[bool] = []

    async def job(context: Any) -> None:
        seen.append(is_bulk())

    await bulk_job(job)(cast(Any, None))
    assert seen == [True]
    assert not is_bulk()  # only inside the job
