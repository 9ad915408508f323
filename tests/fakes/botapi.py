"""An in-memory Telegram Bot API for tests.

:class:`FakeBotAPI` answers Bot API methods the way Telegram does: it keeps the messages of every
chat, edits them in place, stores uploaded files, queues updates for ``getUpdates`` and raises
Telegram's errors (``message is not modified``, ``bot was blocked by the user``, flood control,
...). Every call is recorded as a :class:`Call`.

Two transports drive the same core:

* :class:`FakeRequest`, a :class:`telegram.request.BaseRequest`, plugs the core straight into an
  in-process :class:`telegram.Bot` / :class:`telegram.ext.Application`;
* :class:`tests.fakes.http_server.FakeBotAPIServer` serves it over HTTP for a bot running in
  another process.

The core is thread-safe. Long polls and :meth:`FakeBotAPI.wait_for` block a thread (HTTP path);
:meth:`FakeBotAPI.wait_for_async` and the in-process ``getUpdates`` wait on the event loop.
"""

from __future__ import annotations

import asyncio
import copy
import html
import itertools
import json
import re
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeAlias, TypeVar
from urllib.parse import unquote, urlsplit

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from tests.fakes.updates import utf16_len

__all__ = [
    "DEFAULT_BOT_USERNAME",
    "Call",
    "FailureKind",
    "FakeBotAPI",
    "FakeRequest",
    "MessageEvent",
    "RateLimit",
    "StoredFile",
    "TelegramAPIError",
    "TransportFault",
    "UploadedFile",
]

DEFAULT_BOT_USERNAME = "SpotterTestBot"
DEFAULT_BOT_ID = 123456

FailureKind = Literal[
    "forbidden", "retry_after", "timeout", "network", "bad_request", "timeout_after_delivery"
]
"""The failures :meth:`FakeBotAPI.fail_next` can inject."""

Clock = Callable[[], "float | datetime"]
"""Returns "now" as epoch seconds or as an aware :class:`datetime.datetime`."""

_T = TypeVar("_T")
_PollOutcome: TypeAlias = "list[dict[str, Any]] | TelegramAPIError | TransportFault"

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
DELETE_WINDOW_S = 48 * 60 * 60
"""How long after sending Telegram lets a bot delete a message."""

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"

# Methods that deliver or change a message in a chat: they are refused for a blocked chat and
# counted by the rate limiter.
_SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendLocation",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendMediaGroup",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "editMessageMedia",
    }
)
_BLOCKABLE_METHODS = _SEND_METHODS | {"sendChatAction"}

# Methods a ``fail_next(None, ...)`` rule does not match, so background polling cannot swallow a
# failure meant for the code under test.
_INFRA_METHODS = frozenset({"getUpdates", "getMe", "deleteWebhook", "setWebhook", "getWebhookInfo"})


class TelegramAPIError(Exception):
    """An unsuccessful Bot API answer: ``{"ok": false, "error_code": ..., "description": ...}``.

    Transports turn it into the HTTP status and JSON body Telegram would send, so PTB raises the
    matching :mod:`telegram.error` exception (``BadRequest``, ``Forbidden``, ``RetryAfter``, ...).
    """

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_response(self) -> dict[str, Any]:
        """The JSON body Telegram answers with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class TransportFault(Exception):
    """A failure below the Bot API: the request timed out or the connection broke.

    :class:`FakeRequest` raises PTB's ``TimedOut`` / ``NetworkError`` for it, as ``HTTPXRequest``
    does; the HTTP server stalls or drops the connection.
    """

    def __init__(self, kind: Literal["timeout", "network"]) -> None:
        super().__init__(kind)
        self.kind: Literal["timeout", "network"] = kind


@dataclass(frozen=True)
class UploadedFile:
    """A file sent by the bot in a multipart upload."""

    filename: str
    data: bytes
    mime_type: str

    def __repr__(self) -> str:
        return (
            f"UploadedFile(filename={self.filename!r}, mime_type={self.mime_type!r}, "
            f"size={len(self.data)})"
        )


@dataclass(frozen=True)
class StoredFile:
    """A file known to the fake, by ``file_id``: uploaded by the bot or sent by a user."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes | None
    file_name: str | None = None
    mime_type: str | None = None

    @property
    def file_size(self) -> int | None:
        """Size in bytes, when the content is known."""
        return None if self.data is None else len(self.data)


@dataclass
class Call:
    """One Bot API call as the fake received it.

    ``params`` holds decoded values (ints, dicts, lists); uploaded files appear as
    :class:`UploadedFile`. ``at`` is the fake clock's time (epoch seconds) when the call arrived.
    ``result`` is what was answered, or ``error`` describes the failure.
    """

    method: str
    params: dict[str, Any]
    at: float
    result: Any = None
    error: str | None = None

    @property
    def chat_id(self) -> int | str | None:
        """The ``chat_id`` parameter, normalised to ``int`` when numeric."""
        return _norm_chat_id(self.params.get("chat_id"))

    def __str__(self) -> str:
        shown = {k: v for k, v in self.params.items() if k != "reply_markup"}
        text = f"{self.method}({_short(shown)})"
        return f"{text} -> ERROR {self.error}" if self.error else text


@dataclass(frozen=True)
class MessageEvent:
    """A change to a chat's messages: ``kind`` is "sent", "edited" or "deleted"."""

    seq: int
    chat_id: int
    message_id: int
    kind: Literal["sent", "edited", "deleted"]


@dataclass(frozen=True)
class RateLimit:
    """Telegram's flood limits: exceeding them answers 429 with ``retry_after``.

    Both limits count over a sliding one-second window of real (monotonic) time.
    """

    messages_per_second_overall: float = 30
    per_chat: float = 1
    retry_after: int = 1


@dataclass
class _FailureRule:
    method: str | None
    chat_id: int | str | None
    error: FailureKind
    retry_after: int
    remaining: int
    description: str | None

    def matches(self, method: str, chat_id: int | str | None) -> bool:
        if self.method is None:
            if method in _INFRA_METHODS:
                return False
        elif self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id


@dataclass
class _StoredMessage:
    data: dict[str, Any]
    from_bot: bool
    edited: bool = False
    deleted: bool = False
    reply_keyboard: list[list[str]] | None = None


@dataclass
class _Chat:
    data: dict[str, Any]
    next_message_id: int = 1
    messages: dict[int, _StoredMessage] = field(default_factory=dict)


class FakeBotAPI:
    """The in-memory Bot API shared by :class:`FakeRequest` and the HTTP server.

    Args:
        username: the bot's username returned by ``getMe``.
        bot_id: the bot's user id; by default taken from the token of the first request
            (the digits before the colon), else 123456.
        clock: "now" for message dates, as epoch seconds or an aware datetime. Defaults to
            :func:`time.time`.
        rate_limit: answer 429 when these flood limits are exceeded (off by default).
        strict_file_ids: answer "wrong file identifier" for unknown ``file_id`` strings.
    """

    def __init__(
        self,
        *,
        username: str = DEFAULT_BOT_USERNAME,
        bot_id: int | None = None,
        first_name: str = "Spotter",
        clock: Clock | None = None,
        rate_limit: RateLimit | None = None,
        strict_file_ids: bool = True,
    ) -> None:
        self.username = username
        self.first_name = first_name
        self.clock: Clock = clock or time.time
        self.rate_limit = rate_limit
        self.strict_file_ids = strict_file_ids
        self._bot_id = bot_id
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = set()
        self._closed = False
        self._active_polls = 0
        self.calls: list[Call] = []
        self._chats: dict[int, _Chat] = {}
        self._events: list[MessageEvent] = []
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._failures: list[_FailureRule] = []
        self._blocked: set[int | str] = set()
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._menu_buttons: dict[str, dict[str, Any]] = {}
        self.webhook: dict[str, Any] = {}
        self._overall_window: deque[float] = deque()
        self._chat_windows: dict[int | str, deque[float]] = {}

    # ------------------------------------------------------------------ identity and clock

    @property
    def bot_id(self) -> int:
        """The bot's user id."""
        return self._bot_id if self._bot_id is not None else DEFAULT_BOT_ID

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot as a ``User`` dict (as it appears in ``message.from``)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def now(self) -> float:
        """The fake clock as epoch seconds."""
        value = self.clock()
        return value.timestamp() if isinstance(value, datetime) else float(value)

    def learn_token(self, token: str) -> None:
        """Adopt the bot id encoded in ``token`` (``<id>:<secret>``) unless one is set."""
        head = token.split(":", 1)[0]
        with self._lock:
            if self._bot_id is None and head.isdigit():
                self._bot_id = int(head)

    # ------------------------------------------------------------------ call log

    def calls_to(self, method: str) -> list[Call]:
        """Every recorded call of ``method``, oldest first."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def reset_calls(self) -> None:
        """Forget the call log (messages, files and updates are kept)."""
        with self._lock:
            self.calls.clear()

    def describe_calls(self, last: int = 15) -> str:
        """The most recent calls, one per line, for assertion messages."""
        with self._lock:
            recent = self.calls[-last:]
        if not recent:
            return "  (no calls)"
        return "\n".join(f"  {c}" for c in recent)

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,
        *,
        since: int = 0,
    ) -> Call:
        """Block the calling thread until a call of ``method`` matching ``predicate`` is recorded.

        Searches ``calls[since:]`` (completed calls, successful or not). Raises
        :class:`AssertionError` listing the recent calls when ``timeout`` seconds pass. Never call
        this from the event loop that runs the bot; use :meth:`wait_for_async` there.
        """
        found = self._wait_sync(lambda: self._find_call(method, predicate, since), timeout)
        if found is None:
            raise AssertionError(self._wait_failure(method, timeout))
        return found

    async def wait_for_async(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - mirrors wait_for; bounded internally
        *,
        since: int = 0,
    ) -> Call:
        """Like :meth:`wait_for`, awaiting on the running event loop instead of blocking it."""
        found = await self._wait_async(lambda: self._find_call(method, predicate, since), timeout)
        if found is None:
            raise AssertionError(self._wait_failure(method, timeout))
        return found

    def _find_call(
        self, method: str, predicate: Callable[[Call], bool] | None, since: int
    ) -> Call | None:
        for call in self.calls[since:]:
            if call.method == method and (predicate is None or predicate(call)):
                return call
        return None

    def _wait_failure(self, method: str, timeout: float) -> str:
        return (
            f"no matching {method} call within {timeout:g}s; recent calls:\n{self.describe_calls()}"
        )

    # ------------------------------------------------------------------ chats and messages

    def register_chat(self, chat: Mapping[str, Any]) -> None:
        """Make a chat known (``getChat`` answers with it, messages carry it)."""
        with self._lock:
            self._chat(int(chat["id"])).data = dict(chat)

    def allocate_message_id(self, chat_id: int) -> int:
        """Reserve the next message id in a chat (shared by user and bot messages)."""
        with self._lock:
            chat = self._chat(chat_id)
            message_id = chat.next_message_id
            chat.next_message_id += 1
            return message_id

    def record_user_message(self, message: Mapping[str, Any]) -> None:
        """Store a message a user sent (so the bot can reply to, copy or forward it)."""
        with self._lock:
            chat_id = int(message["chat"]["id"])
            chat = self._chat(chat_id)
            chat.data = dict(message["chat"])
            message_id = int(message["message_id"])
            chat.next_message_id = max(chat.next_message_id, message_id + 1)
            chat.messages[message_id] = _StoredMessage(
                data=copy.deepcopy(dict(message)), from_bot=False
            )

    def observe_update(self, update: Mapping[str, Any]) -> None:
        """Learn the chats and user messages contained in an incoming update dict."""
        for key in ("message", "edited_message", "channel_post", "business_message"):
            message = update.get(key)
            if isinstance(message, Mapping) and "chat" in message and key == "message":
                self.record_user_message(message)
            elif isinstance(message, Mapping) and "chat" in message:
                self.register_chat(message["chat"])
        query = update.get("callback_query")
        if isinstance(query, Mapping) and isinstance(query.get("message"), Mapping):
            chat = query["message"].get("chat")
            if isinstance(chat, Mapping):
                with self._lock:
                    if int(chat["id"]) not in self._chats:
                        self.register_chat(chat)

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat, in the order sent, as they are now (edits applied).

        Deleted messages are left out.
        """
        with self._lock:
            chat = self._chats.get(chat_id)
            if chat is None:
                return []
            return [
                copy.deepcopy(m.data)
                for _, m in sorted(chat.messages.items())
                if m.from_bot and not m.deleted
            ]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """A stored message (bot's or user's) as it is now, or ``None``."""
        with self._lock:
            stored = self._stored(chat_id, message_id)
            return None if stored is None else copy.deepcopy(stored.data)

    def message_info(
        self, chat_id: int, message_id: int
    ) -> tuple[bool, bool, list[list[str]] | None]:
        """``(edited, deleted, reply_keyboard)`` of a stored message; raises ``KeyError``."""
        with self._lock:
            stored = self._stored(chat_id, message_id)
            if stored is None:
                raise KeyError((chat_id, message_id))
            return stored.edited, stored.deleted, stored.reply_keyboard

    @property
    def event_seq(self) -> int:
        """The number of message events so far; pass it to :meth:`events_since`."""
        with self._lock:
            return len(self._events)

    def events_since(self, seq: int, chat_id: int | None = None) -> list[MessageEvent]:
        """Message events (sent/edited/deleted) after position ``seq``, optionally for one chat."""
        with self._lock:
            return [e for e in self._events[seq:] if chat_id is None or e.chat_id == chat_id]

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = _Chat(data=_default_chat(chat_id))
            self._chats[chat_id] = chat
        return chat

    def _stored(self, chat_id: int, message_id: int) -> _StoredMessage | None:
        chat = self._chats.get(chat_id)
        return None if chat is None else chat.messages.get(message_id)

    def _event(
        self, chat_id: int, message_id: int, kind: Literal["sent", "edited", "deleted"]
    ) -> None:
        self._events.append(MessageEvent(len(self._events) + 1, chat_id, message_id, kind))

    # ------------------------------------------------------------------ files

    def register_file(
        self,
        file_id: str | None = None,
        data: bytes | None = None,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        kind: str = "documents",
    ) -> StoredFile:
        """Make a file known, e.g. one a user sends; returns it with its ``file_path``.

        Without ``file_id`` a fresh id is assigned. ``data`` is what a download returns.
        """
        with self._lock:
            number = next(self._file_counter)
            file_id = file_id or f"BQAC{kind[:3].upper()}{number:06d}fake"
            existing = self._files.get(file_id)
            if existing is not None and data is None:
                return existing
            suffix = ""
            if file_name and "." in file_name:
                suffix = "." + file_name.rsplit(".", 1)[1]
            stored = StoredFile(
                file_id=file_id,
                file_unique_id=f"AgAD{number:06d}",
                file_path=f"{kind}/file_{number}{suffix}",
                data=data,
                file_name=file_name,
                mime_type=mime_type,
            )
            self._files[file_id] = stored
            self._files_by_path[stored.file_path] = stored
            return stored

    def file(self, file_id: str) -> StoredFile:
        """A known file by id; raises ``KeyError`` listing the known ids otherwise."""
        with self._lock:
            try:
                return self._files[file_id]
            except KeyError:
                raise KeyError(
                    f"unknown file_id {file_id!r}; known: {sorted(self._files)}"
                ) from None

    def file_bytes(self, file_id: str) -> bytes:
        """The content of a known file (an upload by the bot or a registered user file)."""
        data = self.file(file_id).data
        if data is None:
            raise AssertionError(f"file {file_id!r} is known but its content is not")
        return data

    def download(self, file_path: str) -> bytes | None:
        """The content served at ``/file/bot<token>/<file_path>``, or ``None``."""
        with self._lock:
            stored = self._files_by_path.get(file_path)
            return None if stored is None else stored.data

    # ------------------------------------------------------------------ updates

    def next_update_id(self) -> int:
        """Reserve a fresh ``update_id``."""
        with self._lock:
            update_id = self._next_update_id
            self._next_update_id += 1
            return update_id

    def push_update(self, update: Mapping[str, Any]) -> int:
        """Queue an update for ``getUpdates``; assigns ``update_id`` when missing. Returns it."""
        data = dict(update)
        with self._lock:
            if "update_id" not in data:
                data["update_id"] = self._next_update_id
            self._next_update_id = max(self._next_update_id, int(data["update_id"]) + 1)
            self._updates.append(data)
            self._updates.sort(key=lambda u: int(u["update_id"]))
            self._notify()
        self.observe_update(data)
        return int(data["update_id"])

    @property
    def active_long_polls(self) -> int:
        """How many ``getUpdates`` calls are currently waiting for updates."""
        with self._lock:
            return self._active_polls

    def wait_until(
        self, condition: Callable[[], bool], timeout: float = 10.0, what: str = ""
    ) -> None:
        """Block the calling thread until ``condition()`` holds (re-checked on every change)."""
        if not self._wait_sync(lambda: True if condition() else None, timeout):
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what or condition}")

    async def wait_until_async(
        self,
        condition: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - mirrors wait_until; bounded internally
        what: str = "",
    ) -> None:
        """Like :meth:`wait_until`, awaiting on the running event loop."""
        if not await self._wait_async(lambda: True if condition() else None, timeout):
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what or condition}")

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a ``getUpdates`` offset."""
        with self._lock:
            return list(self._updates)

    # ------------------------------------------------------------------ commands, answers

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The commands set for a scope (default scope when ``None``)."""
        with self._lock:
            return copy.deepcopy(self._commands.get(_scope_key(scope, language_code), []))

    def callback_answer(self, callback_query_id: str) -> dict[str, Any] | None:
        """The parameters of the last ``answerCallbackQuery`` for that query, or ``None``."""
        with self._lock:
            for call in reversed(self.calls):
                if (
                    call.method == "answerCallbackQuery"
                    and call.error is None
                    and call.params.get("callback_query_id") == callback_query_id
                ):
                    return dict(call.params)
            return None

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self,
        method: str | None = None,
        *,
        chat_id: int | str | None = None,
        error: FailureKind,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` matching calls fail.

        ``method=None`` matches any method except getUpdates/getMe/webhook management (name
        those explicitly). ``chat_id`` restricts to calls to that chat. ``error``:

        * ``"forbidden"`` -> 403 "bot was blocked by the user" (PTB ``Forbidden``);
        * ``"retry_after"`` -> 429 with ``retry_after`` (PTB ``RetryAfter``);
        * ``"bad_request"`` -> 400 with ``description`` (PTB ``BadRequest``);
        * ``"timeout"`` / ``"network"`` -> PTB ``TimedOut`` / ``NetworkError``, nothing delivered;
        * ``"timeout_after_delivery"`` -> the call takes effect (the message IS stored) but the
          caller gets ``TimedOut``, as when Telegram's answer is lost.
        """
        with self._lock:
            self._failures.append(
                _FailureRule(
                    method=method,
                    chat_id=_norm_chat_id(chat_id),
                    error=error,
                    retry_after=retry_after,
                    remaining=times,
                    description=description,
                )
            )

    def clear_failures(self) -> None:
        """Drop every pending injected failure."""
        with self._lock:
            self._failures.clear()

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every send to that chat fails with ``Forbidden``."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """Undo :meth:`block`."""
        with self._lock:
            self._blocked.discard(chat_id)

    def _take_failure(self, method: str, chat_id: int | str | None) -> _FailureRule | None:
        for rule in self._failures:
            if rule.remaining > 0 and rule.matches(method, chat_id):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._failures.remove(rule)
                return rule
        return None

    def _check_rate(self, chat_id: int | str | None) -> None:
        limit = self.rate_limit
        if limit is None:
            return
        now = time.monotonic()
        overall = self._overall_window
        while overall and now - overall[0] >= 1.0:
            overall.popleft()
        per_chat = self._chat_windows.setdefault(chat_id, deque()) if chat_id is not None else None
        while per_chat and now - per_chat[0] >= 1.0:
            per_chat.popleft()
        if len(overall) >= limit.messages_per_second_overall or (
            per_chat is not None and len(per_chat) >= limit.per_chat
        ):
            raise TelegramAPIError(
                429,
                f"Too Many Requests: retry after {limit.retry_after}",
                {"retry_after": limit.retry_after},
            )
        overall.append(now)
        if per_chat is not None:
            per_chat.append(now)

    # ------------------------------------------------------------------ handling calls

    async def handle(
        self, method: str, params: Mapping[str, Any], *, token: str | None = None
    ) -> Any:
        """Answer one Bot API call from the event loop; returns Telegram's ``result``.

        Raises :class:`TelegramAPIError` for an unsuccessful answer and :class:`TransportFault`
        for an injected timeout or network failure. ``getUpdates`` waits on the loop.
        """
        call = self._begin(method, params, token)
        if method == "getUpdates":
            return await self._get_updates_async(call)
        return self._complete(call)

    def handle_sync(
        self, method: str, params: Mapping[str, Any], *, token: str | None = None
    ) -> Any:
        """Like :meth:`handle`, blocking the calling thread (used by the HTTP server)."""
        call = self._begin(method, params, token)
        if method == "getUpdates":
            return self._get_updates_sync(call)
        return self._complete(call)

    def close(self) -> None:
        """Wake every long poll and waiter; later long polls answer at once."""
        with self._lock:
            self._closed = True
            self._notify()

    def _begin(self, method: str, params: Mapping[str, Any], token: str | None) -> Call:
        if token:
            self.learn_token(token)
        return Call(method=method, params=dict(params), at=self.now())

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
            self._notify()

    def _complete(self, call: Call) -> Any:
        with self._lock:
            try:
                after_delivery = self._precheck(call)
                result = self._dispatch(call.method, call.params)
            except TelegramAPIError as exc:
                call.error = f"{exc.error_code} {exc.description}"
                self._record(call)
                raise
            except TransportFault as exc:
                call.error = f"transport {exc.kind}"
                self._record(call)
                raise
            call.result = copy.deepcopy(result)
            if after_delivery:
                call.error = "transport timeout (after delivery)"
            self._record(call)
            if after_delivery:
                raise TransportFault("timeout")
            return result

    def _precheck(self, call: Call) -> bool:
        """Apply injected failures, blocks and rate limits; True means "time out after"."""
        chat_id = call.chat_id
        rule = self._take_failure(call.method, chat_id)
        if rule is not None:
            if rule.error == "timeout_after_delivery":
                return True
            _raise_failure(rule)
        if chat_id in self._blocked and call.method in _BLOCKABLE_METHODS:
            raise TelegramAPIError(403, BLOCKED)
        if call.method in _SEND_METHODS:
            self._check_rate(chat_id)
        return False

    def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return True
        return handler(params)

    # getUpdates ---------------------------------------------------------------------------

    def _poll_updates(self, params: Mapping[str, Any]) -> list[dict[str, Any]] | None:
        """Confirm by offset and return pending updates, or ``None`` when there are none."""
        if self.webhook.get("url"):
            raise TelegramAPIError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if offset is not None:
            self._updates = [u for u in self._updates if int(u["update_id"]) >= int(offset)]
        limit = int(params.get("limit") or 100)
        if self._updates or self._closed:
            return copy.deepcopy(self._updates[:limit])
        return None

    async def _get_updates_async(self, call: Call) -> Any:
        def probe() -> _PollOutcome | None:
            return self._poll_or_fail(call)

        outcome: _PollOutcome | None = self._poll_precheck(call)
        if outcome is None:
            timeout = float(call.params.get("timeout") or 0)
            with self._polling():
                outcome = await self._wait_async(probe, timeout)
        return self._finish_poll(call, outcome)

    def _get_updates_sync(self, call: Call) -> Any:
        def probe() -> _PollOutcome | None:
            return self._poll_or_fail(call)

        outcome: _PollOutcome | None = self._poll_precheck(call)
        if outcome is None:
            timeout = float(call.params.get("timeout") or 0)
            with self._polling():
                outcome = self._wait_sync(probe, timeout)
        return self._finish_poll(call, outcome)

    @contextmanager
    def _polling(self) -> Iterator[None]:
        with self._lock:
            self._active_polls += 1
            self._notify()
        try:
            yield
        finally:
            with self._lock:
                self._active_polls -= 1
                self._notify()

    def _poll_precheck(self, call: Call) -> TelegramAPIError | TransportFault | None:
        """Injected failures for a ``getUpdates`` call, checked once before it waits."""
        with self._lock:
            try:
                if self._precheck(call):
                    return TransportFault("timeout")
            except (TelegramAPIError, TransportFault) as exc:
                return exc
        return None

    def _poll_or_fail(self, call: Call) -> _PollOutcome | None:
        try:
            return self._poll_updates(call.params)
        except TelegramAPIError as exc:
            return exc

    def _finish_poll(self, call: Call, outcome: _PollOutcome | None) -> Any:
        if isinstance(outcome, TelegramAPIError):
            call.error = f"{outcome.error_code} {outcome.description}"
            self._record(call)
            raise outcome
        if isinstance(outcome, TransportFault):
            call.error = f"transport {outcome.kind}"
            self._record(call)
            raise outcome
        call.result = outcome or []
        self._record(call)
        return call.result

    # waiting ------------------------------------------------------------------------------

    def _notify(self) -> None:
        """Wake every waiter. Caller holds the lock."""
        self._cond.notify_all()
        for loop, future in list(self._async_waiters):
            try:
                loop.call_soon_threadsafe(_resolve, future)
            except RuntimeError:  # that loop is closed; its waiter is gone
                self._async_waiters.discard((loop, future))

    def _wait_sync(self, probe: Callable[[], _T], timeout: float) -> _T:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = probe()
                remaining = deadline - time.monotonic()
                if value is not None or remaining <= 0 or self._closed:
                    return value
                self._cond.wait(remaining)

    async def _wait_async(
        self,
        probe: Callable[[], _T],
        timeout: float,  # noqa: ASYNC109 - a deadline for a condition, not for one await
    ) -> _T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            with self._lock:
                value = probe()
                remaining = deadline - loop.time()
                if value is not None or remaining <= 0 or self._closed:
                    return value
                future: asyncio.Future[None] = loop.create_future()
                entry = (loop, future)
                self._async_waiters.add(entry)
            try:
                await asyncio.wait({future}, timeout=remaining)
            finally:
                with self._lock:
                    self._async_waiters.discard(entry)
                future.cancel()

    # Bot API methods ------------------------------------------------------------------------
    # Each ``_api_<method>`` runs with the lock held and returns the JSON-able ``result``.

    def _api_getMe(self, params: dict[str, Any]) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_logOut(self, params: dict[str, Any]) -> Any:
        return True

    def _api_close(self, params: dict[str, Any]) -> Any:
        return True

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        text, entities = _format(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        if not text.strip():
            raise TelegramAPIError(400, "Bad Request: message text is empty")
        if utf16_len(text) > MAX_TEXT_LENGTH:
            raise TelegramAPIError(400, "Bad Request: message is too long")
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return self._store_bot_message(chat, params, content)

    def _api_sendPhoto(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        stored = self._media_file(params.get("photo"), "photos", "image/jpeg")
        content = {"photo": _photo_sizes(stored)}
        return self._store_bot_message(chat, params, {**content, **self._caption(params)})

    def _api_sendDocument(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        stored = self._media_file(params.get("document"), "documents", "application/octet-stream")
        content = {"document": _document(stored)}
        return self._store_bot_message(chat, params, {**content, **self._caption(params)})

    def _api_sendVideo(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        stored = self._media_file(params.get("video"), "videos", "video/mp4")
        content = {"video": _video(stored, params)}
        return self._store_bot_message(chat, params, {**content, **self._caption(params)})

    def _api_sendAnimation(self, params: dict[str, Any]) -> Any:
        """A GIF (an MPEG-4 without sound, as Telegram keeps GIFs): like Telegram, the message
        carries the file both as ``animation`` and as ``document``; the caption obeys the same
        1,024-character limit as any caption."""
        chat = self._target_chat(params)
        stored = self._media_file(params.get("animation"), "animations", "video/mp4")
        animation = _video(stored, params)
        content = {"animation": animation, "document": _document(stored)}
        return self._store_bot_message(chat, params, {**content, **self._caption(params)})

    def _api_sendVoice(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        stored = self._media_file(params.get("voice"), "voice", "audio/ogg")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": int(params.get("duration") or 5),
            "mime_type": stored.mime_type or "audio/ogg",
        }
        return self._store_bot_message(chat, params, {"voice": voice, **self._caption(params)})

    def _api_sendMediaGroup(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise TelegramAPIError(400, "Bad Request: wrong number of media in the media group")
        group_id = f"{next(self._file_counter):012d}"
        results = []
        for item in media:
            kind = item.get("type")
            content: dict[str, Any]
            if kind == "photo":
                stored = self._media_file(item.get("media"), "photos", "image/jpeg")
                content = {"photo": _photo_sizes(stored)}
            elif kind == "document":
                stored = self._media_file(
                    item.get("media"), "documents", "application/octet-stream"
                )
                content = {"document": _document(stored)}
            elif kind == "video":
                stored = self._media_file(item.get("media"), "videos", "video/mp4")
                content = {"video": _video(stored, item)}
            else:
                raise TelegramAPIError(400, f"Bad Request: unsupported media type {kind!r}")
            content.update(self._caption(item), media_group_id=group_id)
            results.append(self._store_bot_message(chat, params, content))
        return results

    def _api_sendChatAction(self, params: dict[str, Any]) -> Any:
        self._target_chat(params)
        return True

    def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        stored = self._editable(params)
        if stored is None:
            return True
        if "text" not in stored.data:
            raise TelegramAPIError(400, "Bad Request: there is no text in the message to edit")
        text, entities = _format(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        if not text.strip():
            raise TelegramAPIError(400, "Bad Request: message text is empty")
        if utf16_len(text) > MAX_TEXT_LENGTH:
            raise TelegramAPIError(400, "Bad Request: message is too long")
        changes: dict[str, Any] = {"text": text, "entities": entities or None}
        return self._apply_edit(stored, changes, params.get("reply_markup"))

    def _api_editMessageCaption(self, params: dict[str, Any]) -> Any:
        stored = self._editable(params)
        if stored is None:
            return True
        if not any(k in stored.data for k in ("photo", "document", "video", "animation", "audio")):
            raise TelegramAPIError(400, "Bad Request: there is no caption in the message to edit")
        caption = self._caption(params)
        changes: dict[str, Any] = {
            "caption": caption.get("caption"),
            "caption_entities": caption.get("caption_entities"),
        }
        return self._apply_edit(stored, changes, params.get("reply_markup"))

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        stored = self._editable(params)
        if stored is None:
            return True
        return self._apply_edit(stored, {}, params.get("reply_markup"))

    def _api_deleteMessage(self, params: dict[str, Any]) -> Any:
        chat_id = _int_chat_id(params)
        message_id = int(params.get("message_id", 0))
        stored = self._stored(chat_id, message_id)
        if stored is None or stored.deleted:
            raise TelegramAPIError(400, "Bad Request: message to delete not found")
        # Telegram lets a bot delete a message only within 48 hours of it being sent.
        if self.now() - float(stored.data.get("date", self.now())) > DELETE_WINDOW_S:
            raise TelegramAPIError(400, "Bad Request: message can't be deleted for everyone")
        stored.deleted = True
        self._event(chat_id, message_id, "deleted")
        return True

    def _api_deleteMessages(self, params: dict[str, Any]) -> Any:
        chat_id = _int_chat_id(params)
        for message_id in params.get("message_ids") or []:
            stored = self._stored(chat_id, int(message_id))
            if stored is not None and not stored.deleted:
                stored.deleted = True
                self._event(chat_id, int(message_id), "deleted")
        return True

    def _api_copyMessage(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        source = self._source_message(params, "copy")
        content = _content_of(source.data)
        if "caption" in params:
            content.update(self._caption(params))
        message = self._store_bot_message(chat, params, content)
        return {"message_id": message["message_id"]}

    def _api_forwardMessage(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        source = self._source_message(params, "forward")
        content = _content_of(source.data)
        origin_user = source.data.get("from") or self.bot_user
        content["forward_origin"] = {
            "type": "user",
            "sender_user": origin_user,
            "date": source.data.get("date", int(self.now())),
        }
        return self._store_bot_message(chat, {"chat_id": params["chat_id"]}, content)

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise TelegramAPIError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _api_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id", ""))
        stored = self._files.get(file_id)
        if stored is None:
            raise TelegramAPIError(400, "Bad Request: invalid file_id")
        if stored.file_size is not None and stored.file_size > MAX_DOWNLOAD_BYTES:
            raise TelegramAPIError(400, "Bad Request: file is too big")
        result: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_path": stored.file_path,
        }
        if stored.file_size is not None:
            result["file_size"] = stored.file_size
        return result

    def _api_getChat(self, params: dict[str, Any]) -> Any:
        chat = self._chats.get(_int_chat_id(params))
        if chat is None:
            raise TelegramAPIError(400, "Bad Request: chat not found")
        return {
            **chat.data,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands") or []
        for command in commands:
            name = str(command.get("command", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise TelegramAPIError(400, "Bad Request: BOT_COMMAND_INVALID")
        key = _scope_key(params.get("scope"), str(params.get("language_code") or ""))
        self._commands[key] = copy.deepcopy(list(commands))
        return True

    def _api_deleteMyCommands(self, params: dict[str, Any]) -> Any:
        key = _scope_key(params.get("scope"), str(params.get("language_code") or ""))
        self._commands.pop(key, None)
        return True

    def _api_getMyCommands(self, params: dict[str, Any]) -> Any:
        key = _scope_key(params.get("scope"), str(params.get("language_code") or ""))
        return copy.deepcopy(self._commands.get(key, []))

    def _api_setChatMenuButton(self, params: dict[str, Any]) -> Any:
        key = str(params.get("chat_id", ""))
        self._menu_buttons[key] = dict(params.get("menu_button") or {"type": "default"})
        return True

    def _api_getChatMenuButton(self, params: dict[str, Any]) -> Any:
        key = str(params.get("chat_id", ""))
        return self._menu_buttons.get(key, {"type": "default"})

    def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise TelegramAPIError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {k: v for k, v in params.items() if k != "certificate"}
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {}
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        for key in ("max_connections", "allowed_updates", "ip_address"):
            if key in self.webhook:
                info[key] = self.webhook[key]
        return info

    # helpers for the methods ----------------------------------------------------------------

    def _target_chat(self, params: Mapping[str, Any]) -> _Chat:
        if "chat_id" not in params:
            raise TelegramAPIError(400, "Bad Request: chat_id is empty")
        chat_id = params["chat_id"]
        if isinstance(chat_id, str) and not chat_id.lstrip("-").isdigit():
            raise TelegramAPIError(400, "Bad Request: chat not found")
        return self._chat(int(chat_id))

    def _caption(self, params: Mapping[str, Any]) -> dict[str, Any]:
        if params.get("caption") is None:
            return {}
        caption, entities = _format(
            params.get("caption"), params.get("parse_mode"), params.get("caption_entities")
        )
        if utf16_len(caption) > MAX_CAPTION_LENGTH:
            raise TelegramAPIError(400, "Bad Request: message caption is too long")
        content: dict[str, Any] = {"caption": caption}
        if entities:
            content["caption_entities"] = entities
        return content

    def _media_file(self, value: Any, folder: str, default_mime: str) -> StoredFile:
        if isinstance(value, UploadedFile):
            return self.register_file(
                None,
                value.data,
                file_name=value.filename,
                mime_type=value.mime_type or default_mime,
                kind=folder,
            )
        if isinstance(value, str) and value:
            if value.startswith(("http://", "https://")):
                return self.register_file(None, None, kind=folder, mime_type=default_mime)
            known = self._files.get(value)
            if known is not None:
                return known
            if not self.strict_file_ids:
                return self.register_file(value, None, kind=folder, mime_type=default_mime)
            raise TelegramAPIError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise TelegramAPIError(400, "Bad Request: there is no file in the request")

    def _store_bot_message(
        self,
        chat: _Chat,
        params: Mapping[str, Any],
        content: dict[str, Any],
    ) -> dict[str, Any]:
        chat_id = int(chat.data["id"])
        inline, reply_keyboard = _split_markup(params.get("reply_markup"))
        reply_to = _reply_to_id(params)
        reply_message: dict[str, Any] | None = None
        if reply_to is not None:
            target = chat.messages.get(reply_to)
            if target is None or target.deleted:
                reply_params = params.get("reply_parameters") or {}
                if not (
                    params.get("allow_sending_without_reply")
                    or (
                        isinstance(reply_params, Mapping)
                        and reply_params.get("allow_sending_without_reply")
                    )
                ):
                    raise TelegramAPIError(400, "Bad Request: message to be replied not found")
            else:
                reply_message = {k: v for k, v in target.data.items() if k != "reply_to_message"}
        message_id = chat.next_message_id
        chat.next_message_id += 1
        data: dict[str, Any] = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": dict(chat.data),
            "date": int(self.now()),
            **content,
        }
        if reply_message is not None:
            data["reply_to_message"] = reply_message
        if inline is not None:
            data["reply_markup"] = inline
        chat.messages[message_id] = _StoredMessage(
            data=data, from_bot=True, reply_keyboard=reply_keyboard
        )
        self._event(chat_id, message_id, "sent")
        return copy.deepcopy(data)

    def _editable(self, params: Mapping[str, Any]) -> _StoredMessage | None:
        """The bot message an edit targets; ``None`` for inline messages (answered True)."""
        if params.get("inline_message_id") and "chat_id" not in params:
            return None
        chat_id = _int_chat_id(params)
        stored = self._stored(chat_id, int(params.get("message_id", 0)))
        if stored is None or stored.deleted:
            raise TelegramAPIError(400, "Bad Request: message to edit not found")
        if not stored.from_bot:
            raise TelegramAPIError(400, "Bad Request: message can't be edited")
        return stored

    def _apply_edit(
        self, stored: _StoredMessage, changes: dict[str, Any], reply_markup: Any
    ) -> dict[str, Any]:
        inline, _ = _split_markup(reply_markup)
        before = _comparable(stored.data)
        updated = dict(stored.data)
        for key, value in changes.items():
            if value is None:
                updated.pop(key, None)
            else:
                updated[key] = value
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        if inline is None:
            updated.pop("reply_markup", None)
        else:
            updated["reply_markup"] = inline
        if _comparable(updated) == before:
            raise TelegramAPIError(400, NOT_MODIFIED)
        updated["edit_date"] = int(self.now())
        stored.data = updated
        stored.edited = True
        self._event(int(updated["chat"]["id"]), int(updated["message_id"]), "edited")
        return copy.deepcopy(updated)

    def _source_message(self, params: Mapping[str, Any], verb: str) -> _StoredMessage:
        from_chat = _norm_chat_id(params.get("from_chat_id"))
        stored = (
            self._stored(from_chat, int(params.get("message_id", 0)))
            if isinstance(from_chat, int)
            else None
        )
        if stored is None or stored.deleted:
            raise TelegramAPIError(400, f"Bad Request: message to {verb} not found")
        return stored


# ---------------------------------------------------------------------------- PTB transport


class FakeRequest(BaseRequest):
    """A :class:`telegram.request.BaseRequest` answering from a :class:`FakeBotAPI`.

    Use one instance for ``.request(...)`` and another for ``.get_updates_request(...)`` (PTB
    initialises and shuts them down separately); both may share the same ``api``.
    """

    __slots__ = ("_read_timeout", "api")

    def __init__(self, api: FakeBotAPI, *, read_timeout: float | None = 5.0) -> None:
        self.api = api
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout PTB adds to ``getUpdates``' long-poll timeout."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer a request as ``HTTPXRequest`` would, with ``(status code, body)``."""
        path = unquote(urlsplit(url).path)
        if method == "GET" and "/file/bot" in path:
            file_path = path.split("/file/bot", 1)[1].split("/", 1)[-1]
            data = self.api.download(file_path)
            if data is None:
                return 404, json.dumps(
                    {"ok": False, "error_code": 404, "description": "Not Found"}
                ).encode()
            return 200, data
        token_part, api_method = path.rsplit("/", 2)[-2:]
        token = token_part.removeprefix("bot")
        params = decode_request_data(request_data)
        try:
            result = await self.api.handle(api_method, params, token=token)
        except TelegramAPIError as exc:
            return exc.error_code, json.dumps(exc.to_response()).encode()
        except TransportFault as exc:
            if exc.kind == "timeout":
                raise TimedOut("Timed out (injected by FakeBotAPI)") from exc
            raise NetworkError("httpx.ConnectError: injected by FakeBotAPI") from exc
        return 200, json.dumps({"ok": True, "result": result}).encode()


def decode_request_data(request_data: RequestData | None) -> dict[str, Any]:
    """PTB's request parameters as plain values, with uploads as :class:`UploadedFile`.

    A file uploaded directly (``photo=<bytes>``) becomes the parameter's value; one referenced
    as ``attach://<name>`` (media groups) replaces that reference wherever it occurs.
    """
    if request_data is None:
        return {}
    params: dict[str, Any] = {}
    encoded = request_data.json_parameters
    for name, value in request_data.parameters.items():
        params[name] = value if isinstance(value, str) else json.loads(encoded[name])
    if not request_data.contains_files:
        return params
    uploads: dict[str, UploadedFile] = {}
    for part, (filename, content, mime_type) in request_data.multipart_data.items():
        raw = content if isinstance(content, bytes) else content.read()
        uploads[part] = UploadedFile(filename=filename, data=raw, mime_type=mime_type)
    return attach_uploads(params, uploads)


def attach_uploads(params: dict[str, Any], uploads: Mapping[str, UploadedFile]) -> dict[str, Any]:
    """Put uploaded parts into ``params``: by parameter name or via ``attach://`` references."""
    referenced: set[str] = set()

    def resolve(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("attach://"):
            name = value.removeprefix("attach://")
            if name in uploads:
                referenced.add(name)
                return uploads[name]
            return value
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    resolved = {k: resolve(v) for k, v in params.items()}
    for name, upload in uploads.items():
        if name not in referenced and name not in resolved:
            resolved[name] = upload
    return resolved


# ---------------------------------------------------------------------------- helpers


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _raise_failure(rule: _FailureRule) -> None:
    if rule.error == "forbidden":
        raise TelegramAPIError(403, rule.description or BLOCKED)
    if rule.error == "retry_after":
        raise TelegramAPIError(
            429,
            rule.description or f"Too Many Requests: retry after {rule.retry_after}",
            {"retry_after": rule.retry_after},
        )
    if rule.error == "bad_request":
        raise TelegramAPIError(400, rule.description or "Bad Request: injected failure")
    if rule.error == "timeout":
        raise TransportFault("timeout")
    raise TransportFault("network")


def _norm_chat_id(value: Any) -> int | str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else text


def _int_chat_id(params: Mapping[str, Any]) -> int:
    value = _norm_chat_id(params.get("chat_id"))
    if not isinstance(value, int):
        raise TelegramAPIError(400, "Bad Request: chat not found")
    return value


def _default_chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
    if chat_id < -1_000_000_000_000:
        return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}
    return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}


def _scope_key(scope: Any, language_code: str) -> str:
    scope = dict(scope) if isinstance(scope, Mapping) else {"type": "default"}
    if "chat_id" in scope:
        scope["chat_id"] = _norm_chat_id(scope["chat_id"])
    if "user_id" in scope:
        scope["user_id"] = int(scope["user_id"])
    return json.dumps([scope, language_code], sort_keys=True)


def _reply_to_id(params: Mapping[str, Any]) -> int | None:
    reply = params.get("reply_parameters")
    if isinstance(reply, Mapping) and reply.get("message_id") is not None:
        return int(reply["message_id"])
    if params.get("reply_to_message_id") is not None:
        return int(params["reply_to_message_id"])
    return None


def _split_markup(markup: Any) -> tuple[dict[str, Any] | None, list[list[str]] | None]:
    """``(inline keyboard to keep on the message, reply keyboard button texts)``."""
    if not isinstance(markup, Mapping):
        return None, None
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        for row in rows:
            for button in row:
                data = button.get("callback_data")
                if data is not None and len(str(data).encode()) > MAX_CALLBACK_DATA_BYTES:
                    raise TelegramAPIError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not str(button.get("text", "")).strip():
                    raise TelegramAPIError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
        if any(rows):
            return copy.deepcopy(dict(markup)), None
        return None, None
    if "keyboard" in markup:
        texts = [
            [b if isinstance(b, str) else str(b.get("text", "")) for b in row]
            for row in markup["keyboard"]
        ]
        return None, texts
    return None, None


def _comparable(message: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        message.get("text"),
        message.get("entities") or None,
        message.get("caption"),
        message.get("caption_entities") or None,
        message.get("reply_markup"),
    )


def _content_of(message: Mapping[str, Any]) -> dict[str, Any]:
    keys = (
        "text",
        "entities",
        "caption",
        "caption_entities",
        "photo",
        "document",
        "video",
        "animation",
    )
    return {k: copy.deepcopy(message[k]) for k in keys if k in message}


def _photo_sizes(stored: StoredFile) -> list[dict[str, Any]]:
    width, height = _png_size(stored.data) or (1280, 960)
    size: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "width": width,
        "height": height,
    }
    if stored.file_size is not None:
        size["file_size"] = stored.file_size
    return [size]


def _document(stored: StoredFile) -> dict[str, Any]:
    document: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    for key, value in (
        ("file_name", stored.file_name),
        ("mime_type", stored.mime_type),
        ("file_size", stored.file_size),
    ):
        if value is not None:
            document[key] = value
    return document


def _video(stored: StoredFile, params: Mapping[str, Any]) -> dict[str, Any]:
    video = _document(stored)
    video.update(
        width=int(params.get("width") or 1280),
        height=int(params.get("height") or 720),
        duration=int(params.get("duration") or 10),
    )
    return video


def _png_size(data: bytes | None) -> tuple[int, int] | None:
    if data is None or len(data) < 24 or not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _short(value: Any, limit: int = 160) -> str:
    text = (
        ", ".join(f"{k}={v!r}" for k, v in value.items())
        if isinstance(value, dict)
        else repr(value)
    )
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------- HTML parse mode

_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*)?)>")
_CHAR_REF = re.compile(r"&(#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z]+);")
_ATTR = re.compile(r"""([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def _format(text: Any, parse_mode: Any, explicit_entities: Any) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's text after parsing: ``(plain text, entities)``.

    HTML is parsed and validated like Telegram does (unsupported tags, unescaped ``<`` and
    unbalanced tags are 400 "can't parse entities"). Other parse modes keep the text as is.
    """
    if text is None:
        return "", []
    text = str(text)
    if str(parse_mode or "").upper() == "HTML":
        return _parse_html(text)
    entities = list(explicit_entities) if isinstance(explicit_entities, list) else []
    return text, entities


def _parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    length = 0  # UTF-16 length of the output so far
    stack: list[tuple[str, int, dict[str, Any]]] = []
    entities: list[dict[str, Any]] = []
    pos = 0

    def emit(chunk: str) -> None:
        nonlocal length
        out.append(chunk)
        length += utf16_len(chunk)

    def fail(detail: str) -> TelegramAPIError:
        return TelegramAPIError(400, f"Bad Request: can't parse entities: {detail}")

    for token in _html_tokens(source):
        start = pos
        pos += len(token)
        offset = len(source[:start].encode())
        if token.startswith("&"):
            match = _CHAR_REF.fullmatch(token)
            emit(html.unescape(token) if match else token)
            continue
        if not token.startswith("<"):
            emit(token)
            continue
        tag = _TAG.fullmatch(token)
        if tag is None:
            raise fail(f"Unexpected end of name token at byte offset {offset}")
        closing, name, attrs = tag.group(1) == "/", tag.group(2).lower(), tag.group(3)
        if name not in _HTML_ENTITY_TYPES:
            kind = "end" if closing else "start"
            raise fail(f'Unsupported {kind} tag "{name}" at byte offset {offset}')
        if closing:
            if not stack:
                raise fail(f"Unexpected end tag at byte offset {offset}")
            open_name, open_at, open_extra = stack.pop()
            if open_name != name:
                raise fail(
                    f'Unmatched end tag at byte offset {offset}, expected "</{open_name}>", '
                    f'found "</{name}>"'
                )
            if length > open_at:
                entity = {
                    "type": _HTML_ENTITY_TYPES[name],
                    "offset": open_at,
                    "length": length - open_at,
                }
                entity.update(open_extra)
                entities.append(entity)
            continue
        extra = {}
        attributes = {
            m.group(1).lower(): m.group(2) or m.group(3) or m.group(4)
            for m in _ATTR.finditer(attrs)
        }
        if name == "a":
            extra["url"] = html.unescape(attributes.get("href", ""))
        elif name == "span" and attributes.get("class") != "tg-spoiler":
            raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        elif name == "tg-emoji":
            extra["custom_emoji_id"] = attributes.get("emoji-id", "")
        elif name == "blockquote" and "expandable" in attrs:
            extra["type"] = "expandable_blockquote"
        stack.append((name, length, extra))
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _html_tokens(source: str) -> Iterator[str]:
    """Split HTML into tags (``<...>``, possibly malformed), character references and text."""
    index = 0
    while index < len(source):
        char = source[index]
        if char == "<":
            end = source.find(">", index)
            end = len(source) - 1 if end == -1 else end
            yield source[index : end + 1]
            index = end + 1
        elif char == "&":
            match = _CHAR_REF.match(source, index)
            if match:
                yield match.group(0)
                index = match.end()
            else:
                yield "&"
                index += 1
        else:
            nxt = len(source)
            for stop in ("<", "&"):
                found = source.find(stop, index)
                if found != -1:
                    nxt = min(nxt, found)
            yield source[index:nxt]
            index = nxt
