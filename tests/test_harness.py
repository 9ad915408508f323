"""Self-tests of the Telegram fakes (tests/fakes) against a tiny PTB application.

The application here is deliberately independent of Spotter's own code, so these tests pin the
behaviour of the harness itself: what the fake Bot API answers, how the chat simulator drives an
``Application``, failure injection, uploads and downloads, and the HTTP server used by process
tests.
"""

from __future__ import annotations

import asyncio
import csv
import html
import io
import struct
import zlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from tests.fakes import (
    ChatSimulator,
    FakeBotAPI,
    FakeBotAPIServer,
    FakeRequest,
    FakeUser,
    HandlerError,
    RateLimit,
    message_update,
)

TOKEN = "123456:" + "A" * 35
CHOOSING, CONFIRMING = range(2)
CSV_BYTES = b"exercise,weight,reps\nSquat,100,5\nBench,80,8\n"

ToyApp = Application[Any, Any, Any, Any, Any, Any]
Context = ContextTypes.DEFAULT_TYPE


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A valid RGB PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# ---------------------------------------------------------------------------- the toy bot


async def echo(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    assert update.effective_message.text is not None
    text = html.escape(update.effective_message.text)
    await update.effective_message.reply_text(f"echo: <b>{text}</b>", parse_mode=ParseMode.HTML)


async def pick(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Trainer", callback_data="role:trainer")],
            [InlineKeyboardButton("Client", callback_data="role:client")],
        ]
    )
    await update.effective_message.reply_text("Pick a role", reply_markup=keyboard)
    return CHOOSING


async def chose_role(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    await query.answer()
    role = query.data.removeprefix("role:")
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yes", callback_data="confirm:yes"),
                InlineKeyboardButton("No", callback_data="confirm:no"),
            ]
        ]
    )
    await query.edit_message_text(f"You are a {role}. Confirm?", reply_markup=keyboard)
    return CONFIRMING


async def confirmed(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer("Saved")
    await query.edit_message_text("All set")
    return ConversationHandler.END


async def cancel(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    await update.effective_message.reply_text("Cancelled")
    return ConversationHandler.END


async def item(update: Update, context: Context) -> None:
    """Re-checks the id in the callback data, as real handlers must."""
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    context.bot_data.setdefault("item_presses", []).append(query.data)
    if query.data != "item:1":
        await query.answer("Not allowed", show_alert=True)
        return
    await query.answer()


async def files(update: Update, context: Context) -> None:
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_photo(chat.id, tiny_png(), caption="Your chart")
    await context.bot.send_document(chat.id, CSV_BYTES, filename="export.csv")


async def notify(update: Update, context: Context) -> None:
    """Sends to another chat, treating a block as "unreachable" (no exception escapes)."""
    assert update.effective_message is not None
    assert context.args
    target = int(context.args[0])
    try:
        await context.bot.send_message(target, "Reminder")
    except Forbidden:
        context.bot_data.setdefault("unreachable", set()).add(target)
        await update.effective_message.reply_text("unreachable")


async def boom(update: Update, context: Context) -> None:
    raise RuntimeError("handler exploded")


async def count_updates(update: Update, context: Context) -> None:
    context.bot_data.setdefault("update_ids", []).append(update.update_id)


async def receive_document(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    assert message.document is not None
    file = await message.document.get_file()
    data = bytes(await file.download_as_bytearray())
    rows = list(csv.reader(io.StringIO(data.decode())))
    await message.reply_text(f"got {len(data)} bytes, {len(rows) - 1} rows")


async def receive_photo(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    assert message.photo
    caption = message.caption or "-"
    await message.reply_text(f"photo {message.photo[-1].file_id} {caption}")


def build_toy_app(api: FakeBotAPI) -> ToyApp:
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(FakeRequest(api))
        .get_updates_request(FakeRequest(api))
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, count_updates), group=-1)
    app.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("pick", pick)],
            states={
                CHOOSING: [CallbackQueryHandler(chose_role, pattern=r"^role:")],
                CONFIRMING: [CallbackQueryHandler(confirmed, pattern=r"^confirm:")],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
        )
    )
    app.add_handler(CallbackQueryHandler(item, pattern=r"^item:"))
    app.add_handler(CommandHandler("files", files))
    app.add_handler(CommandHandler("notify", notify))
    app.add_handler(CommandHandler("boom", boom))
    app.add_handler(MessageHandler(filters.Document.ALL, receive_document))
    app.add_handler(MessageHandler(filters.PHOTO, receive_photo))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


@pytest.fixture
def tg() -> FakeBotAPI:
    return FakeBotAPI(clock=lambda: datetime(2026, 1, 5, 12, 0, tzinfo=UTC))


@pytest.fixture
async def toy_app(tg: FakeBotAPI) -> AsyncIterator[ToyApp]:
    app = build_toy_app(tg)
    async with app:
        yield app


@pytest.fixture
def chat(toy_app: ToyApp, tg: FakeBotAPI) -> ChatSimulator:
    return ChatSimulator(toy_app, tg)


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta durations (reading ``RetryAfter.retry_after`` otherwise warns)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


# ---------------------------------------------------------------------------- chat simulator


async def test_get_me_answers_with_the_configured_bot(toy_app: ToyApp) -> None:
    assert toy_app.bot.username == "SpotterTestBot"
    assert toy_app.bot.id == 123456
    assert toy_app.bot.bot.can_join_groups is True


async def test_send_and_reply_with_html_parsed_like_telegram(
    chat: ChatSimulator, tg: FakeBotAPI
) -> None:
    alice = chat.user(1001, "Alice")

    replies = await alice.send("hello <world> & co")

    assert [r.text for r in replies] == ["echo: hello <world> & co"]
    assert alice.last_reply.text == "echo: hello <world> & co"
    assert alice.last_reply.raw["entities"] == [{"type": "bold", "offset": 6, "length": 18}]
    assert alice.last_reply.raw["date"] == int(datetime(2026, 1, 5, 12, tzinfo=UTC).timestamp())
    (call,) = tg.calls_to("sendMessage")
    assert call.chat_id == 1001
    assert call.params["parse_mode"] == "HTML"


async def test_message_ids_increase_per_chat_across_user_and_bot(chat: ChatSimulator) -> None:
    alice, bob = chat.user(1001, "Alice"), chat.user(1002, "Bob")
    await alice.send("one")
    await alice.send("two")
    await bob.send("three")

    assert [r.message_id for r in alice.replies] == [2, 4]
    assert [r.message_id for r in bob.replies] == [2]


async def test_press_edits_in_place_and_records_the_answer(
    chat: ChatSimulator, tg: FakeBotAPI
) -> None:
    alice = chat.user(1001, "Alice")
    await alice.send("/pick")
    assert alice.last_reply.buttons == [["Trainer"], ["Client"]]
    assert alice.last_reply.button_data == [["role:trainer"], ["role:client"]]

    replies = await alice.press("Trainer")

    assert len(alice.replies) == 1, "the bot edits its message instead of sending another"
    assert [r.text for r in replies] == ["You are a trainer. Confirm?"]
    assert alice.last_reply.edited
    assert alice.last_reply.buttons == [["Yes", "No"]]
    assert alice.last_press_answered
    first_answer = alice.last_answer  # a plain query.answer() carries no text
    assert first_answer is None

    await alice.press("yes")  # case-insensitive, unique substring

    assert alice.last_reply.text == "All set"
    assert alice.last_reply.buttons == [], "an edit without reply_markup drops the keyboard"
    assert alice.last_answer == "Saved"
    assert [c.params.get("text") for c in tg.calls_to("answerCallbackQuery")] == [None, "Saved"]


async def test_press_unknown_button_lists_what_is_visible(chat: ChatSimulator) -> None:
    alice = chat.user(1001, "Alice")
    await alice.send("/pick")

    with pytest.raises(AssertionError) as failure:
        await alice.press("Admin")

    message = str(failure.value)
    assert "no button 'Admin'" in message
    assert "['Trainer'], ['Client']" in message
    assert "Pick a role" in message


async def test_users_are_isolated(chat: ChatSimulator, tg: FakeBotAPI) -> None:
    alice, bob = chat.user(1001, "Alice"), chat.user(1002, "Bob")
    await alice.send("/pick")
    await bob.send("/pick")
    await alice.press("Client")

    assert alice.last_reply.text == "You are a client. Confirm?"
    assert bob.last_reply.text == "Pick a role"
    assert bob.new_replies == []
    assert [m["text"] for m in tg.sent_to(1002)] == ["Pick a role"]

    await bob.press("Trainer")
    await bob.press("Yes")
    assert alice.last_reply.text == "You are a client. Confirm?"
    assert bob.last_reply.text == "All set"


async def test_forged_press_data_reaches_the_handler(chat: ChatSimulator, toy_app: ToyApp) -> None:
    alice = chat.user(1001, "Alice")
    await alice.send("hi")

    await alice.press_data("item:999")

    assert toy_app.bot_data["item_presses"] == ["item:999"]
    assert alice.last_answer == "Not allowed"
    assert alice.last_answer_alert


async def test_unanswered_press_fails_loudly(chat: ChatSimulator) -> None:
    alice = chat.user(1001, "Alice")
    await alice.send("/pick")

    with pytest.raises(AssertionError, match="did not answer"):
        await alice.press_data("nobody:handles:this")


async def test_replay_delivers_the_same_update_twice(chat: ChatSimulator, toy_app: ToyApp) -> None:
    alice = chat.user(1001, "Alice")
    await alice.send("once")
    assert chat.last_update is not None
    update_id = chat.last_update["update_id"]

    await chat.replay(chat.last_update)

    assert toy_app.bot_data["update_ids"] == [update_id, update_id]
    assert [r.text for r in alice.replies] == ["echo: once", "echo: once"]


async def test_handler_exceptions_surface_in_the_test(chat: ChatSimulator) -> None:
    alice = chat.user(1001, "Alice")

    with pytest.raises(HandlerError, match="handler exploded") as failure:
        await alice.send("/boom")
    assert isinstance(failure.value.__cause__, RuntimeError)

    chat.raise_errors = False
    await alice.send("/boom")
    assert len(chat.errors) == 2


async def test_bot_sends_photo_and_document_with_retrievable_bytes(
    chat: ChatSimulator, tg: FakeBotAPI
) -> None:
    alice = chat.user(1001, "Alice")

    photo, document = await alice.send("/files")

    assert photo.text == "Your chart"
    assert photo.photo is not None
    assert photo.photo[-1]["width"] == 3
    assert photo.file_bytes is not None
    assert photo.file_bytes.startswith(b"\x89PNG")
    assert document.document is not None
    assert document.document["file_name"] == "export.csv"
    assert document.file_id is not None
    rows = list(csv.DictReader(io.StringIO(tg.file_bytes(document.file_id).decode())))
    assert rows[0] == {"exercise": "Squat", "weight": "100", "reps": "5"}
    upload = tg.calls_to("sendDocument")[0].params["document"]
    assert upload.filename == "export.csv"
    assert upload.data == CSV_BYTES


async def test_bot_downloads_a_document_the_user_sent(chat: ChatSimulator) -> None:
    alice = chat.user(1001, "Alice")

    await alice.send_document(CSV_BYTES, "log.csv", "text/csv")

    assert alice.last_reply.text == f"got {len(CSV_BYTES)} bytes, 2 rows"


async def test_user_photo_reaches_the_bot(chat: ChatSimulator) -> None:
    alice = chat.user(1001, "Alice")

    await alice.send_photo("AgACphoto1", caption="front")

    assert alice.last_reply.text == "photo AgACphoto1 front"


# ---------------------------------------------------------------------------- failure injection


async def test_injected_failures_raise_ptb_errors(
    toy_app: ToyApp, tg: FakeBotAPI, ptb_timedelta: None
) -> None:
    bot = toy_app.bot
    tg.fail_next("sendMessage", error="forbidden")
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(1001, "x")

    tg.fail_next("sendMessage", error="retry_after", retry_after=3)
    with pytest.raises(RetryAfter) as retry:
        await bot.send_message(1001, "x")
    assert retry.value.retry_after == timedelta(seconds=3)

    tg.fail_next(error="timeout")
    with pytest.raises(TimedOut):
        await bot.send_message(1001, "x")

    tg.fail_next("sendMessage", chat_id=1001, error="network")
    await bot.send_message(1002, "other chat is unaffected")
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "x")

    tg.fail_next("sendMessage", error="bad_request", description="Bad Request: chat not found")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(1001, "x")

    await bot.send_message(1001, "works again")
    assert [m["text"] for m in tg.sent_to(1001)] == ["works again"]
    assert [c.error is not None for c in tg.calls_to("sendMessage")] == [
        True,
        True,
        True,
        False,
        True,
        True,
        False,
    ]


async def test_failures_repeat_times(toy_app: ToyApp, tg: FakeBotAPI) -> None:
    tg.fail_next("sendMessage", error="network", times=2)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await toy_app.bot.send_message(1001, "x")
    await toy_app.bot.send_message(1001, "third time lucky")


async def test_timeout_after_delivery_stores_the_message(toy_app: ToyApp, tg: FakeBotAPI) -> None:
    tg.fail_next("sendMessage", error="timeout_after_delivery")

    with pytest.raises(TimedOut):
        await toy_app.bot.send_message(1001, "did it arrive?")

    assert [m["text"] for m in tg.sent_to(1001)] == ["did it arrive?"]


async def test_blocked_chat_is_forbidden_for_the_handler(
    chat: ChatSimulator, tg: FakeBotAPI, toy_app: ToyApp
) -> None:
    trainer = chat.user(1001, "Tina")
    client = chat.user(1002, "Carl")
    await client.block_bot()

    await trainer.send("/notify 1002")

    assert trainer.last_reply.text == "unreachable"
    assert toy_app.bot_data["unreachable"] == {1002}
    assert client.replies == []
    tg.unblock(1002)
    await trainer.send("/notify 1002")
    assert client.last_reply.text == "Reminder"


async def test_rate_limit_answers_retry_after(
    tg: FakeBotAPI, toy_app: ToyApp, ptb_timedelta: None
) -> None:
    tg.rate_limit = RateLimit(messages_per_second_overall=30, per_chat=1)
    await toy_app.bot.send_message(1001, "first")

    with pytest.raises(RetryAfter):
        await toy_app.bot.send_message(1001, "second, same second")
    await toy_app.bot.send_message(1002, "another chat is fine")


# ---------------------------------------------------------------------------- Telegram semantics


async def test_edit_errors_match_telegram(toy_app: ToyApp, tg: FakeBotAPI) -> None:
    bot = toy_app.bot
    sent = await bot.send_message(1001, "same")

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("same", chat_id=1001, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("new", chat_id=1001, message_id=999)

    await bot.edit_message_text("new", chat_id=1001, message_id=sent.message_id)
    await bot.delete_message(1001, sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(1001, sent.message_id)
    assert tg.sent_to(1001) == []


async def test_unescaped_html_is_rejected(toy_app: ToyApp) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await toy_app.bot.send_message(1001, "5 < 6 and <oops>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await toy_app.bot.send_message(1001, "<b>unclosed", parse_mode=ParseMode.HTML)


async def test_limits_match_telegram(toy_app: ToyApp) -> None:
    with pytest.raises(BadRequest, match="Message is too long"):
        await toy_app.bot.send_message(1001, "x" * 4097)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await toy_app.bot.send_message(1001, "hi", reply_markup=too_long)


async def test_commands_are_stored_per_scope(toy_app: ToyApp, tg: FakeBotAPI) -> None:
    from telegram import BotCommand, BotCommandScopeChat

    bot = toy_app.bot
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands([BotCommand("log", "Log a set")], scope=BotCommandScopeChat(1001))

    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert tg.commands({"type": "chat", "chat_id": 1001}) == [
        {"command": "log", "description": "Log a set"}
    ]
    await bot.delete_my_commands(scope=BotCommandScopeChat(1001))
    assert tg.commands({"type": "chat", "chat_id": 1001}) == []


async def test_misc_methods(toy_app: ToyApp, tg: FakeBotAPI, chat: ChatSimulator) -> None:
    bot = toy_app.bot
    alice = chat.user(1001, "Alice", username="alice")
    await alice.send("original")

    info = await bot.get_chat(1001)
    assert info.first_name == "Alice"
    assert info.username == "alice"
    copied = await bot.copy_message(1002, from_chat_id=1001, message_id=1)
    assert tg.sent_to(1002)[0]["text"] == "original"
    assert copied.message_id == 1
    answer = await bot.send_message(1001, "quoting", reply_to_message_id=1)
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "original"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(1001, "quoting", reply_to_message_id=99)
    await bot.send_chat_action(1001, "typing")
    group = await bot.send_media_group(
        1001, [InputMediaPhoto(tiny_png()), InputMediaPhoto(tiny_png(4, 4))]
    )
    assert [m.photo[-1].width for m in group] == [3, 4]
    assert group[0].media_group_id == group[1].media_group_id
    assert await bot.set_chat_menu_button() is True
    assert await bot.do_api_request("someFutureMethod", api_kwargs={"a": 1}) is True
    assert tg.calls_to("someFutureMethod")[0].params == {"a": 1}
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(1001, "no-such-file-id")


async def test_webhook_and_get_updates_conflict(toy_app: ToyApp, tg: FakeBotAPI) -> None:
    bot = toy_app.bot
    await bot.set_webhook("https://example.com/telegram", secret_token="s3cret")
    assert (await bot.get_webhook_info()).url == "https://example.com/telegram"
    with pytest.raises(Conflict):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


# ---------------------------------------------------------------------------- polling


async def test_in_process_long_poll_waits_for_a_pushed_update(
    toy_app: ToyApp, tg: FakeBotAPI
) -> None:
    poll = asyncio.create_task(toy_app.bot.get_updates(timeout=10))
    await tg.wait_until_async(lambda: tg.active_long_polls == 1, what="a waiting getUpdates")

    update_id = tg.push_update(message_update(tg.next_update_id(), FakeUser(1001, "Alice"), "hi"))

    updates = await asyncio.wait_for(poll, timeout=10)
    assert [u.update_id for u in updates] == [update_id]
    assert await toy_app.bot.get_updates(offset=update_id + 1) == ()
    assert tg.pending_updates == []


async def test_application_polling_handles_pushed_updates(tg: FakeBotAPI) -> None:
    app = build_toy_app(tg)
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(timeout=5)
        await app.start()
        try:
            tg.push_update(message_update(tg.next_update_id(), FakeUser(1001, "Alice"), "ping"))
            call = await tg.wait_for_async("sendMessage", lambda c: c.chat_id == 1001)
            assert call.params["text"] == "echo: <b>ping</b>"
        finally:
            await app.updater.stop()
            await app.stop()


# ---------------------------------------------------------------------------- HTTP server


@pytest.fixture
def server(tg: FakeBotAPI) -> Iterator[FakeBotAPIServer]:
    with FakeBotAPIServer(tg, stall_seconds=5) as running:
        yield running


def http_bot(server: FakeBotAPIServer, *, read_timeout: float = 5.0) -> Bot:
    return Bot(
        TOKEN,
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        request=HTTPXRequest(read_timeout=read_timeout),
        get_updates_request=HTTPXRequest(),
    )


async def test_http_server_serves_get_me_and_long_poll(
    server: FakeBotAPIServer, tg: FakeBotAPI
) -> None:
    assert server.base_url == f"http://127.0.0.1:{server.port}/bot"
    async with http_bot(server) as bot:
        assert bot.username == "SpotterTestBot"

        poll = asyncio.create_task(bot.get_updates(timeout=10))
        await tg.wait_until_async(lambda: tg.active_long_polls == 1, what="a waiting getUpdates")
        me = await bot.get_me()  # the long poll does not hold the server
        assert me.id == 123456

        update_id = tg.push_update(message_update(41, FakeUser(1001, "Alice"), "/start"))
        updates = await asyncio.wait_for(poll, timeout=10)
        assert [u.update_id for u in updates] == [update_id]
        assert updates[0].message is not None
        assert updates[0].message.text == "/start"

    call = server.wait_for("getUpdates", lambda c: bool(c.result))
    assert call.params["timeout"] == 10


async def test_http_server_decodes_form_multipart_and_json(
    server: FakeBotAPIServer, tg: FakeBotAPI
) -> None:
    async with http_bot(server) as bot:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("100", callback_data="1")]])
        sent = await bot.send_message(1001, "123", reply_markup=keyboard)
        assert sent.text == "123"
        assert sent.reply_markup == keyboard
        assert tg.calls_to("sendMessage")[0].params["chat_id"] == 1001

        document = await bot.send_document(1001, CSV_BYTES, filename="export.csv", caption="7")
        assert document.document is not None
        assert document.caption == "7"
        assert tg.file_bytes(document.document.file_id) == CSV_BYTES

        stored = tg.register_file(data=b"user file", file_name="notes.txt")
        file = await bot.get_file(stored.file_id)
        assert bytes(await file.download_as_bytearray()) == b"user file"

    import httpx

    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{server.base_url}{TOKEN}/sendMessage", json={"chat_id": 1001, "text": "json"}
        )
    assert response.json()["result"]["text"] == "json"


async def test_http_server_injected_failures(server: FakeBotAPIServer, tg: FakeBotAPI) -> None:
    async with http_bot(server, read_timeout=0.5) as bot:
        tg.fail_next("sendMessage", error="forbidden")
        with pytest.raises(Forbidden):
            await bot.send_message(1001, "x")
        tg.fail_next("sendMessage", error="network")
        with pytest.raises(NetworkError):
            await bot.send_message(1001, "x")
        tg.fail_next("sendMessage", error="timeout")
        with pytest.raises(TimedOut):
            await bot.send_message(1001, "x")
        assert await bot.send_message(1001, "fine")


def test_server_wait_for_reports_recent_calls_on_timeout(
    server: FakeBotAPIServer, tg: FakeBotAPI
) -> None:
    tg.handle_sync("getMe", {})
    with pytest.raises(
        AssertionError, match=r"no matching sendMessage call within 0.1s(.|\n)*getMe"
    ):
        server.wait_for("sendMessage", timeout=0.1)


async def test_an_animation_is_sent_like_telegram_with_the_caption_limit(
    toy_app: ToyApp, tg: FakeBotAPI
) -> None:
    tg.register_file("CgACgif1", None, mime_type="video/mp4", kind="animations")
    with pytest.raises(BadRequest, match="caption is too long"):
        await toy_app.bot.send_animation(1001, "CgACgif1", caption="x" * 1025)
    sent = await toy_app.bot.send_animation(1001, "CgACgif1", caption="x" * 1024)
    assert sent.animation is not None
    assert sent.animation.file_id == "CgACgif1"
    assert sent.document is not None, "Telegram sends a GIF as animation and as document"
    assert sent.caption == "x" * 1024
