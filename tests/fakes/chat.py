"""A chat simulator: tests that read like a conversation, for several users at once.

::

    sim = ChatSimulator(app, api)
    alice = sim.user(1001, "Alice")
    await alice.send("/start")
    assert "Welcome" in alice.last_reply.text
    await alice.press("I'm a trainer")
    assert alice.last_reply.edited

Each action builds a Bot API update dict with a fresh ``update_id``, lets the fake record the
user's message, and hands ``Update.de_json(update, app.bot)`` to the application's update
processor, as PTB's update fetcher does. Actions of different users may run concurrently
(``asyncio.gather``); ``new_replies`` then mixes them, so read ``replies`` per user instead.
Replies are read back from the :class:`~tests.fakes.botapi.FakeBotAPI`, so edits show in place.

Handlers must be blocking (PTB's default): non-blocking handlers would still be running when the
action returns.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from telegram import Update
from telegram.ext import Application

from tests.fakes.botapi import FakeBotAPI
from tests.fakes.updates import (
    FakeUser,
    animation_message_update,
    callback_update,
    chat_for,
    document_message_update,
    message_update,
    my_chat_member_update,
    photo_message_update,
    video_message_update,
    voice_message_update,
)

__all__ = ["ChatSimulator", "HandlerError", "Reply", "SimUser"]

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class Reply:
    """A bot message in a chat, as it is now (edits applied).

    ``text`` is the message text, or the caption of a media message, after HTML parsing (what
    the user reads). ``buttons`` / ``button_data`` are the inline keyboard's labels and their
    callback data (the URL for URL buttons, "" for other kinds).
    """

    message_id: int
    text: str
    buttons: list[list[str]]
    button_data: list[list[str]]
    edited: bool
    raw: dict[str, Any]
    photo: list[dict[str, Any]] | None = None
    document: dict[str, Any] | None = None
    video: dict[str, Any] | None = None
    animation: dict[str, Any] | None = None
    reply_keyboard: list[list[str]] | None = None
    file_bytes: bytes | None = None

    @property
    def flat_buttons(self) -> list[str]:
        """All inline button labels, row by row."""
        return [label for row in self.buttons for label in row]

    @property
    def file_id(self) -> str | None:
        """The ``file_id`` of the photo (largest size), document, video or GIF, if any."""
        if self.photo:
            return str(self.photo[-1]["file_id"])
        for media in (self.document, self.video, self.animation):
            if media is not None:
                return str(media["file_id"])
        return None

    def __str__(self) -> str:
        lines = [f"#{self.message_id}{' (edited)' if self.edited else ''}: {self.text!r}"]
        if self.photo:
            lines.append("  [photo]")
        if self.document:
            lines.append(f"  [document {self.document.get('file_name', '')!r}]")
        if self.video:
            lines.append("  [video]")
        lines.extend(f"  {row}" for row in self.buttons)
        if self.reply_keyboard:
            lines.append(f"  reply keyboard: {self.reply_keyboard}")
        return "\n".join(lines)


class HandlerError(AssertionError):
    """A handler raised while processing a simulated update (the exception is chained)."""


@dataclass
class _Press:
    query_id: str
    answered: bool = False
    answer: dict[str, Any] | None = None


@dataclass
class _SimState:
    action_seq: int = 0


class SimUser:
    """One user talking to the bot; by default in their private chat (chat id == user id)."""

    def __init__(self, sim: ChatSimulator, user: FakeUser, chat_id: int) -> None:
        self.sim = sim
        self.user = user
        self.chat_id = chat_id
        self._last_press: _Press | None = None

    def __repr__(self) -> str:
        return f"SimUser({self.user.id}, {self.user.first_name!r}, chat_id={self.chat_id})"

    @property
    def id(self) -> int:
        """The Telegram user id."""
        return self.user.id

    @property
    def name(self) -> str:
        """The user's first name."""
        return self.user.first_name

    # ------------------------------------------------------------------ reading the chat

    @property
    def replies(self) -> list[Reply]:
        """Every bot message in this chat, oldest first (deleted ones left out)."""
        return [self.sim.reply(self.chat_id, m) for m in self.sim.api.sent_to(self.chat_id)]

    @property
    def last_reply(self) -> Reply:
        """The latest bot message in this chat; raises ``AssertionError`` when there is none."""
        replies = self.replies
        if not replies:
            raise AssertionError(
                f"{self.name} has no bot messages yet; recent calls:\n"
                f"{self.sim.api.describe_calls()}"
            )
        return replies[-1]

    @property
    def new_replies(self) -> list[Reply]:
        """Bot messages in this chat sent or edited since the simulator's latest action began.

        "Action" is any user's ``send``/``press``/... so a notification that Alice's action
        sends to Bob shows in ``bob.new_replies``.
        """
        api = self.sim.api
        seen: list[int] = []
        for event in api.events_since(self.sim.action_seq, self.chat_id):
            if event.message_id not in seen:
                seen.append(event.message_id)
        result = []
        for message_id in seen:
            message = api.message(self.chat_id, message_id)
            if message is None or message.get("from", {}).get("id") != api.bot_id:
                continue
            _, deleted, _ = api.message_info(self.chat_id, message_id)
            if not deleted:
                result.append(self.sim.reply(self.chat_id, message))
        return result

    @property
    def last_answer(self) -> str | None:
        """Text of the bot's ``answerCallbackQuery`` to this user's latest press.

        ``None`` when that answer had no text, or before any press.
        """
        press = self._last_press
        if press is None or press.answer is None:
            return None
        text = press.answer.get("text")
        return None if text is None else str(text)

    @property
    def last_answer_alert(self) -> bool:
        """Whether the answer to the latest press was shown as an alert (``show_alert``)."""
        press = self._last_press
        return bool(press and press.answer and press.answer.get("show_alert"))

    @property
    def last_press_answered(self) -> bool:
        """Whether the bot answered this user's latest callback query."""
        return bool(self._last_press and self._last_press.answered)

    def transcript(self, last: int = 5) -> str:
        """The latest bot messages in this chat, rendered for failure messages."""
        replies = self.replies[-last:]
        if not replies:
            return "  (no bot messages)"
        return "\n".join(str(r) for r in replies)

    # ------------------------------------------------------------------ acting

    async def send(self, text: str, *, reply_to: int | None = None) -> list[Reply]:
        """Send a text message (a command when it starts with ``/``); returns ``new_replies``."""
        api = self.sim.api
        reply_message = api.message(self.chat_id, reply_to) if reply_to is not None else None
        if reply_to is not None and reply_message is None:
            raise AssertionError(f"cannot reply to unknown message {reply_to} in {self.chat_id}")
        update = message_update(
            api.next_update_id(),
            self.user,
            text,
            chat_id=self.chat_id,
            message_id=api.allocate_message_id(self.chat_id),
            date=int(api.now()),
            reply_to=reply_message,
        )
        await self.sim.deliver(update)
        return self.new_replies

    async def press(self, label: str, *, message_id: int | None = None) -> list[Reply]:
        """Press an inline button by its label; returns ``new_replies``.

        Looks at the given message, or from the newest bot message backwards for the first one
        having a button labelled exactly ``label``; failing that, for a button whose label
        contains ``label`` case-insensitively, which must be unique on that message.
        """
        reply, data = self._find_button(label, message_id)
        return await self._press(data, reply.raw)

    async def press_data(self, data: str, message_id: int | None = None) -> list[Reply]:
        """Send a callback query with arbitrary (forged or stale) ``data``; returns ``new_replies``.

        The query carries the latest bot message, or ``message_id``'s, as it is now.
        """
        if message_id is None:
            message = self.last_reply.raw
        else:
            found = self.sim.api.message(self.chat_id, message_id)
            if found is None:
                raise AssertionError(f"no message {message_id} in chat {self.chat_id}")
            message = found
        return await self._press(data, message)

    async def send_photo(
        self, file_id: str | None = None, *, data: bytes | None = None, caption: str | None = None
    ) -> list[Reply]:
        """Send a photo; ``data`` (optional) is what the bot downloads. Returns ``new_replies``."""
        api = self.sim.api
        stored = api.register_file(file_id, data, mime_type="image/jpeg", kind="photos")
        update = photo_message_update(
            api.next_update_id(),
            self.user,
            stored.file_id,
            caption=caption,
            chat_id=self.chat_id,
            message_id=api.allocate_message_id(self.chat_id),
            date=int(api.now()),
            file_size=stored.file_size,
            file_unique_id=stored.file_unique_id,
        )
        await self.sim.deliver(update)
        return self.new_replies

    async def send_document(
        self,
        data: bytes,
        file_name: str,
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
    ) -> list[Reply]:
        """Send a file; the bot can ``get_file`` and download exactly ``data``."""
        api = self.sim.api
        stored = api.register_file(None, data, file_name=file_name, mime_type=mime_type)
        update = document_message_update(
            api.next_update_id(),
            self.user,
            stored.file_id,
            file_name,
            mime_type,
            len(data),
            caption=caption,
            chat_id=self.chat_id,
            message_id=api.allocate_message_id(self.chat_id),
            date=int(api.now()),
            file_unique_id=stored.file_unique_id,
        )
        await self.sim.deliver(update)
        return self.new_replies

    async def send_video(
        self,
        file_id: str | None = None,
        *,
        data: bytes | None = None,
        caption: str | None = None,
        duration: int = 12,
    ) -> list[Reply]:
        """Send a video; returns ``new_replies``."""
        return await self._send_media(
            video_message_update, "videos", "video/mp4", file_id, data, caption, duration
        )

    async def send_animation(
        self, file_id: str | None = None, *, caption: str | None = None, duration: int = 3
    ) -> list[Reply]:
        """Send a GIF (Telegram's animation); returns ``new_replies``."""
        return await self._send_media(
            animation_message_update, "animations", "video/mp4", file_id, None, caption, duration
        )

    async def send_voice(
        self, file_id: str | None = None, *, caption: str | None = None, duration: int = 7
    ) -> list[Reply]:
        """Send a voice note; returns ``new_replies``."""
        return await self._send_media(
            voice_message_update, "voice", "audio/ogg", file_id, None, caption, duration
        )

    async def _send_media(
        self,
        build: Callable[..., dict[str, Any]],
        kind: str,
        mime_type: str,
        file_id: str | None,
        data: bytes | None,
        caption: str | None,
        duration: int,
    ) -> list[Reply]:
        """Store the file in the fake Bot API and deliver a message carrying it."""
        api = self.sim.api
        stored = api.register_file(file_id, data, mime_type=mime_type, kind=kind)
        sizes = {} if build is voice_message_update else {"file_size": stored.file_size}
        update = build(
            api.next_update_id(),
            self.user,
            stored.file_id,
            caption=caption,
            chat_id=self.chat_id,
            message_id=api.allocate_message_id(self.chat_id),
            date=int(api.now()),
            duration=duration,
            file_unique_id=stored.file_unique_id,
            **sizes,
        )
        await self.sim.deliver(update)
        return self.new_replies

    async def block_bot(self) -> None:
        """Block the bot: sends now fail with ``Forbidden``; delivers the ``my_chat_member``."""
        api = self.sim.api
        api.block(self.chat_id)
        update = my_chat_member_update(
            api.next_update_id(), self.user, api.bot_user, date=int(api.now())
        )
        await self.sim.deliver(update)

    async def unblock_bot(self) -> None:
        """Unblock the bot (the user restarted it); delivers the ``my_chat_member``."""
        api = self.sim.api
        api.unblock(self.chat_id)
        update = my_chat_member_update(
            api.next_update_id(),
            self.user,
            api.bot_user,
            old_status="kicked",
            new_status="member",
            date=int(api.now()),
        )
        await self.sim.deliver(update)

    # ------------------------------------------------------------------ internals

    async def _press(self, data: str, message: dict[str, Any]) -> list[Reply]:
        api = self.sim.api
        update_id = api.next_update_id()
        query_id = f"{self.user.id}-{update_id}"
        update = callback_update(update_id, self.user, data, message, query_id=query_id)
        press = _Press(query_id)
        self._last_press = press
        await self.sim.deliver(update)
        press.answer = api.callback_answer(query_id)
        press.answered = press.answer is not None
        if self.sim.require_callback_answer and not press.answered:
            raise AssertionError(
                f"the bot did not answer {self.name}'s callback query {data!r} "
                "(Telegram clients keep showing a spinner); call query.answer(), or build the "
                "ChatSimulator with require_callback_answer=False.\n"
                f"Last messages:\n{self.transcript(2)}"
            )
        return self.new_replies

    def _find_button(self, label: str, message_id: int | None) -> tuple[Reply, str]:
        replies = self.replies
        if message_id is not None:
            replies = [r for r in replies if r.message_id == message_id]
        candidates = list(reversed(replies))
        for reply in candidates:
            for row_labels, row_data in zip(reply.buttons, reply.button_data, strict=True):
                for text, data in zip(row_labels, row_data, strict=True):
                    if text == label:
                        return reply, self._callback_data(reply, text, data)
        needle = label.casefold()
        for reply in candidates:
            matches = [
                (text, data)
                for row_labels, row_data in zip(reply.buttons, reply.button_data, strict=True)
                for text, data in zip(row_labels, row_data, strict=True)
                if needle in text.casefold()
            ]
            if len(matches) == 1:
                return reply, self._callback_data(reply, *matches[0])
            if len(matches) > 1:
                raise AssertionError(
                    f"{self.name}: button {label!r} is ambiguous on message "
                    f"#{reply.message_id}: {[m[0] for m in matches]}"
                )
        visible = [f"  #{r.message_id}: {r.buttons}" for r in reversed(replies) if r.buttons][:5]
        raise AssertionError(
            f"{self.name}: no button {label!r}"
            + (f" on message #{message_id}" if message_id is not None else "")
            + ".\nVisible buttons (newest first):\n"
            + ("\n".join(visible) if visible else "  (none)")
            + f"\nLast reply: {replies[-1].text if replies else '(none)'!r}"
        )

    def _callback_data(self, reply: Reply, text: str, data: str) -> str:
        buttons = [b for row in reply.raw["reply_markup"]["inline_keyboard"] for b in row]
        button = next(b for b in buttons if b.get("text") == text)
        if "callback_data" not in button:
            raise AssertionError(
                f"{self.name}: button {text!r} on message #{reply.message_id} is not a callback "
                f"button ({button}); it cannot be pressed in the simulator"
            )
        return data


class ChatSimulator:
    """Drives an initialized :class:`telegram.ext.Application` whose bot uses ``FakeRequest(api)``.

    Args:
        app: the application (``await app.initialize()`` first, or ``async with app``).
        api: the fake the application's bot talks to.
        raise_errors: re-raise (as :class:`HandlerError`) any exception a handler raised while
            processing an update, after the application's own error handlers ran. Set
            ``sim.raise_errors = False`` to test the application's error handling; the
            exceptions are always collected in ``sim.errors``.
        require_callback_answer: fail a press the bot did not answer with
            ``answerCallbackQuery``.
    """

    def __init__(
        self,
        app: AnyApplication,
        api: FakeBotAPI,
        *,
        raise_errors: bool = True,
        require_callback_answer: bool = True,
    ) -> None:
        self.app = app
        self.api = api
        self.raise_errors = raise_errors
        self.require_callback_answer = require_callback_answer
        self.errors: list[BaseException] = []
        self.last_update: dict[str, Any] | None = None
        self.users: dict[int, SimUser] = {}
        self._state = _SimState()
        # Collect errors before the application's own error handlers run: one of those may
        # stop the update (ApplicationHandlerStop) once the user has been told.
        existing = dict(app.error_handlers)
        app.error_handlers.clear()
        app.add_error_handler(self._collect_error)
        for callback, block in existing.items():
            app.add_error_handler(callback, block=block)

    @property
    def action_seq(self) -> int:
        """The fake's message-event position when the latest action began."""
        return self._state.action_seq

    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        chat_id: int | None = None,
    ) -> SimUser:
        """A simulated user; their private chat unless ``chat_id`` names a group."""
        user = FakeUser(user_id, first_name, last_name, username, language_code)
        chat = chat_for(user, chat_id)
        self.api.register_chat(chat)
        sim_user = SimUser(self, user, int(chat["id"]))
        self.users[user_id] = sim_user
        return sim_user

    async def deliver(self, update: dict[str, Any]) -> None:
        """Process one update dict through the application, as Telegram would deliver it."""
        self._state.action_seq = self.api.event_seq
        self.api.observe_update(update)
        self.last_update = copy.deepcopy(update)
        errors_before = len(self.errors)
        parsed = Update.de_json(copy.deepcopy(update), self.app.bot)
        # As PTB's own update fetcher does: through the application's update processor, which
        # keeps one chat's updates in order while other chats run concurrently.
        await self.app.update_processor.process_update(parsed, self.app.process_update(parsed))
        new_errors = self.errors[errors_before:]
        if new_errors and self.raise_errors:
            raise HandlerError(
                f"a handler raised {new_errors[0]!r} while processing update "
                f"{update.get('update_id')}; set sim.raise_errors = False to test error handling"
            ) from new_errors[0]

    async def replay(self, update: dict[str, Any]) -> None:
        """Deliver exactly the same update again (Telegram re-delivery after a crash)."""
        await self.deliver(copy.deepcopy(update))

    def reply(self, chat_id: int, message: dict[str, Any]) -> Reply:
        """A :class:`Reply` for a stored bot message dict."""
        edited, _, reply_keyboard = self.api.message_info(chat_id, int(message["message_id"]))
        markup = message.get("reply_markup") or {}
        rows: Sequence[Sequence[dict[str, Any]]] = markup.get("inline_keyboard") or []
        reply = Reply(
            message_id=int(message["message_id"]),
            text=str(message.get("text", message.get("caption", "")) or ""),
            buttons=[[str(b.get("text", "")) for b in row] for row in rows],
            button_data=[
                [str(b.get("callback_data", b.get("url", "")) or "") for b in row] for row in rows
            ],
            edited=edited,
            raw=message,
            photo=message.get("photo"),
            document=message.get("document"),
            video=message.get("video"),
            animation=message.get("animation"),
            reply_keyboard=reply_keyboard,
        )
        file_id = reply.file_id
        if file_id is None:
            return reply
        try:
            data = self.api.file(file_id).data
        except KeyError:
            data = None
        return replace(reply, file_bytes=data)

    async def _collect_error(self, update: object, context: Any) -> None:
        if context.error is not None:
            self.errors.append(context.error)
