"""Webhook mode answers Telegram only once an update is handled (bot.updates.AnsweredQueue).

The webhook server's request handler awaits ``put``; the request is answered when that returns.
These tests drive the queue as the webhook server and the application do.
"""

from __future__ import annotations

import asyncio

import pytest
from telegram import Update
from tornado.web import HTTPError

from bot.app import build_application
from bot.config import Settings
from bot.updates import AnsweredQueue
from tests.conftest import TEST_TOKEN
from tests.fakes.botapi import FakeBotAPI, FakeRequest
from tests.fakes.updates import FakeUser, message_update


def _update(update_id: int) -> Update:
    return Update.de_json(message_update(update_id, FakeUser(1001, "Tom"), "/help"), None)


async def test_put_returns_only_when_the_update_is_answered() -> None:
    queue = AnsweredQueue()
    update = _update(7)
    webhook = asyncio.create_task(queue.put(update))

    taken = await queue.get()
    await asyncio.sleep(0)
    assert taken is update
    assert not webhook.done(), "the webhook must not answer before the update is handled"

    queue.answer(update)
    await asyncio.wait_for(webhook, 5)


async def test_an_update_that_failed_is_answered_503_to_be_sent_again() -> None:
    queue = AnsweredQueue()
    update = _update(8)
    webhook = asyncio.create_task(queue.put(update))
    await queue.get()

    queue.answer(update, RuntimeError("database went away"))

    with pytest.raises(HTTPError) as refused:
        await asyncio.wait_for(webhook, 5)
    assert refused.value.status_code == 503


async def test_what_is_not_an_update_goes_straight_in() -> None:
    queue = AnsweredQueue()
    await asyncio.wait_for(queue.put("stop"), 5)
    assert await queue.get() == "stop"


def test_only_webhook_mode_waits_for_answers(database_url: str) -> None:
    api = FakeBotAPI()
    polling = build_application(
        Settings(bot_token=TEST_TOKEN, database_url=database_url), request=FakeRequest(api)
    )
    webhook = build_application(
        Settings(
            bot_token=TEST_TOKEN,
            database_url=database_url,
            bot_mode="webhook",
            webhook_url="https://bot.example.com/telegram",
            webhook_secret="s3cret",
        ),
        request=FakeRequest(api),
    )

    assert not isinstance(polling.update_queue, AnsweredQueue), "polling would wait per update"
    assert isinstance(webhook.update_queue, AnsweredQueue)
