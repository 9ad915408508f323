"""The rate limiter: bulk sends paced, interactive replies never queued behind them.

The assertions are on the order in which calls reach Telegram, never on wall-clock timing.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, cast

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from bot.jobs import bulk_job
from bot.ratelimit import PacedRateLimiter, bulk_sends, is_bulk, patient_sends


class Recorder:
    """Calls as Telegram receives them, in order."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def send(
        self,
        limiter: PacedRateLimiter,
        label: str,
        *,
        bulk: bool,
        method: str = "sendMessage",
        patient: bool = False,
    ) -> Any:
        async def callback() -> bool:
            self.calls.append(label)
            return True

        if bulk:
            with bulk_sends():
                return await limiter.process_request(callback, (), {}, method, {"chat_id": 1}, None)
        if patient:
            with patient_sends():
                return await limiter.process_request(callback, (), {}, method, {"chat_id": 3}, None)
        return await limiter.process_request(callback, (), {}, method, {"chat_id": 2}, None)


async def test_bulk_sends_go_one_per_slot_and_a_reply_does_not_wait_for_them() -> None:
    limiter = PacedRateLimiter(bulk_per_second=20)
    seen = Recorder()
    await limiter.initialize()
    bulk = [asyncio.create_task(seen.send(limiter, f"bulk {n}", bulk=True)) for n in range(4)]
    for _ in range(10):
        await asyncio.sleep(0)
    assert seen.calls == ["bulk 0"], "one bulk send per slot; the others wait for theirs"

    await seen.send(limiter, "reply", bulk=False)
    assert seen.calls == ["bulk 0", "reply"], "the reply went out past the waiting bulk sends"

    await asyncio.gather(*bulk)
    assert seen.calls == ["bulk 0", "reply", "bulk 1", "bulk 2", "bulk 3"]
    await limiter.shutdown()


async def test_retry_after_is_waited_out_and_the_call_retried() -> None:
    limiter = PacedRateLimiter(max_retries=1)
    await limiter.initialize()
    attempts = 0

    async def flooded_once() -> bool:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RetryAfter(timedelta(milliseconds=10))
        return True

    with bulk_sends():
        result = await limiter.process_request(
            flooded_once, (), {}, "sendMessage", {"chat_id": 1}, None
        )
    assert result is True
    assert attempts == 2
    await limiter.shutdown()


async def test_repeating_jobs_send_in_bulk() -> None:
    seen: list[bool] = []

    async def job(context: Any) -> None:
        seen.append(is_bulk())

    await bulk_job(job)(cast(Any, None))
    assert seen == [True]
    assert not is_bulk()  # only inside the job


async def test_a_busy_second_of_replies_holds_bulk_sends_back() -> None:
    limiter = PacedRateLimiter(bulk_per_second=20, overall_per_second=30)
    seen = Recorder()
    await limiter.initialize()
    for n in range(26):
        await seen.send(limiter, f"reply {n}", bulk=False)
    digest = asyncio.create_task(seen.send(limiter, "digest", bulk=True))
    for _ in range(10):
        await asyncio.sleep(0)
    assert "digest" not in seen.calls, "26 replies this second: the digest leaves them room"
    await seen.send(limiter, "one more reply", bulk=False)
    assert seen.calls[-1] == "one more reply"
    await digest
    assert seen.calls[-1] == "digest", "sent once the replies' second has passed"
    await limiter.shutdown()


async def test_a_heavy_updates_reply_yields_to_lighter_replies_near_the_limit() -> None:
    limiter = PacedRateLimiter(bulk_per_second=20, overall_per_second=30)
    seen = Recorder()
    await limiter.initialize()
    await seen.send(limiter, "chart 1", bulk=False, patient=True)
    assert seen.calls == ["chart 1"], "with room to spare a chart goes out at once, unpaced"
    for n in range(25):
        await seen.send(limiter, f"card {n}", bulk=False)
    chart = asyncio.create_task(seen.send(limiter, "chart 2", bulk=False, patient=True))
    for _ in range(10):
        await asyncio.sleep(0)
    assert "chart 2" not in seen.calls, "26 sends this second: the chart leaves room for cards"
    await seen.send(limiter, "the next set's card", bulk=False)
    assert seen.calls[-1] == "the next set's card", "a light reply does not wait for the chart"
    await chart
    assert seen.calls[-1] == "chart 2", "sent once the second has passed"
    await limiter.shutdown()


async def test_deleting_a_message_never_waits_for_the_limits_sends_and_edits_count_against() -> (
    None
):
    limiter = PacedRateLimiter(bulk_per_second=20, overall_per_second=30)
    seen = Recorder()
    await limiter.initialize()
    for n in range(20):
        await seen.send(limiter, f"reply {n}", bulk=False)
    for n in range(10):
        await seen.send(limiter, f"edit {n}", bulk=False, method="editMessageText")
    late = asyncio.create_task(seen.send(limiter, "reply 31", bulk=False))
    for _ in range(10):
        await asyncio.sleep(0)
    assert "reply 31" not in seen.calls, "30 sends and edits this second: the 31st waits"

    await seen.send(limiter, "old card deleted", bulk=False, method="deleteMessage")
    await seen.send(limiter, "press answered", bulk=False, method="answerCallbackQuery")
    assert seen.calls[-2:] == ["old card deleted", "press answered"], "not sends: no wait"
    await late
    assert seen.calls[-1] == "reply 31"
    await limiter.shutdown()


async def test_deletes_leave_bulk_sends_their_room() -> None:
    limiter = PacedRateLimiter(bulk_per_second=20, overall_per_second=30)
    seen = Recorder()
    await limiter.initialize()
    for n in range(26):
        await seen.send(limiter, f"delete {n}", bulk=False, method="deleteMessage")
    reminder = asyncio.create_task(seen.send(limiter, "reminder", bulk=True))
    for _ in range(10):
        await asyncio.sleep(0)
    assert seen.calls[-1] == "reminder", "26 deletes this second are not 26 sends"
    await reminder
    await limiter.shutdown()


async def _bulk_goes_at_once(limiter: PacedRateLimiter, seen: Recorder) -> bool:
    """Whether a bulk send goes out at once after nine replies in the same second."""
    for n in range(9):
        await seen.send(limiter, f"reply {n}", bulk=False)
    bulk = asyncio.create_task(seen.send(limiter, "bulk", bulk=True))
    for _ in range(10):
        await asyncio.sleep(0)
    went = "bulk" in seen.calls
    await bulk
    return went


async def test_three_workers_each_keep_to_a_third_of_telegrams_limits() -> None:
    alone = PacedRateLimiter(bulk_per_second=20)
    await alone.initialize()
    assert await _bulk_goes_at_once(alone, Recorder()), "30 a second leave room after nine"
    await alone.shutdown()

    shared = PacedRateLimiter(bulk_per_second=20)
    await shared.initialize()
    shared.share(3)
    # Replies keep to the share too: PTB's own overall limiter (a private attribute, read by
    # AIORateLimiter on every call; this fails if a PTB upgrade renames it) is replaced.
    assert "_base_limiter" in AIORateLimiter.__slots__
    assert shared._base_limiter is not None
    assert shared._base_limiter.max_rate == 10
    seen = Recorder()
    assert not await _bulk_goes_at_once(shared, seen), "10 a second leave no room after nine"
    assert seen.calls[-1] == "bulk", "it went once the second had passed"

    shared.share(1)  # the others stopped: the whole limit again
    assert shared.workers == 1
    assert await _bulk_goes_at_once(shared, Recorder())
    await shared.shutdown()
