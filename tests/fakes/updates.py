"""Factories for incoming updates, as the Bot API sends them (plain dicts).

Turn one into a PTB object with ``telegram.Update.de_json(d, bot)``, queue it on a
:class:`~tests.fakes.botapi.FakeBotAPI` with ``push_update(d)`` or POST it as JSON to a webhook.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FakeUser",
    "callback_update",
    "chat_for",
    "document_message_update",
    "message_update",
    "my_chat_member_update",
    "photo_message_update",
    "video_message_update",
]


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user sending updates."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"

    def to_dict(self) -> dict[str, Any]:
        """The ``User`` object as in ``message.from``."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    def private_chat(self) -> dict[str, Any]:
        """The ``Chat`` of this user's private chat with the bot (chat id == user id)."""
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        return data


def chat_for(user: FakeUser, chat_id: int | None = None) -> dict[str, Any]:
    """The ``Chat`` dict: the user's private chat, or a group when ``chat_id`` is another id."""
    if chat_id is None or chat_id == user.id:
        return user.private_chat()
    kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"
    return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}


def utf16_len(text: str) -> int:
    """The length of ``text`` as Telegram counts it: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _message(
    user: FakeUser,
    *,
    chat_id: int | None,
    message_id: int,
    date: int | None,
    reply_to: dict[str, Any] | None,
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": user.to_dict(),
        "chat": chat_for(user, chat_id),
        "date": int(time.time()) if date is None else date,
    }
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return message


def message_update(
    update_id: int,
    user: FakeUser,
    text: str,
    *,
    chat_id: int | None = None,
    message_id: int = 1,
    date: int | None = None,
    reply_to: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A text message; text starting with ``/`` carries a ``bot_command`` entity.

    ``date`` defaults to now (epoch seconds); ``reply_to`` is the message replied to.
    """
    message = _message(user, chat_id=chat_id, message_id=message_id, date=date, reply_to=reply_to)
    message["text"] = text
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
    return {"update_id": update_id, "message": message}


def callback_update(
    update_id: int,
    user: FakeUser,
    data: str,
    message: dict[str, Any],
    *,
    query_id: str | None = None,
) -> dict[str, Any]:
    """A button press: a ``callback_query`` with ``data`` on ``message`` (a bot message dict)."""
    chat_id = int(message["chat"]["id"])
    return {
        "update_id": update_id,
        "callback_query": {
            "id": query_id or f"cq{update_id}",
            "from": user.to_dict(),
            "chat_instance": f"ci{abs(chat_id)}",
            "message": message,
            "data": data,
        },
    }


def photo_message_update(
    update_id: int,
    user: FakeUser,
    file_id: str,
    *,
    caption: str | None = None,
    chat_id: int | None = None,
    message_id: int = 1,
    date: int | None = None,
    width: int = 1280,
    height: int = 960,
    file_size: int | None = 123_456,
    file_unique_id: str | None = None,
) -> dict[str, Any]:
    """A photo message with a thumbnail and a full-size ``PhotoSize`` (largest last)."""
    message = _message(user, chat_id=chat_id, message_id=message_id, date=date, reply_to=None)
    unique = file_unique_id or f"u-{file_id}"
    full: dict[str, Any] = {
        "file_id": file_id,
        "file_unique_id": unique,
        "width": width,
        "height": height,
    }
    if file_size is not None:
        full["file_size"] = file_size
    thumb = {
        "file_id": f"{file_id}-thumb",
        "file_unique_id": f"{unique}-thumb",
        "width": max(1, width // 16),
        "height": max(1, height // 16),
    }
    message["photo"] = [thumb, full]
    if caption is not None:
        message["caption"] = caption
    return {"update_id": update_id, "message": message}


def document_message_update(
    update_id: int,
    user: FakeUser,
    file_id: str,
    file_name: str,
    mime_type: str,
    file_size: int,
    *,
    caption: str | None = None,
    chat_id: int | None = None,
    message_id: int = 1,
    date: int | None = None,
    file_unique_id: str | None = None,
) -> dict[str, Any]:
    """A document (file) message."""
    message = _message(user, chat_id=chat_id, message_id=message_id, date=date, reply_to=None)
    message["document"] = {
        "file_id": file_id,
        "file_unique_id": file_unique_id or f"u-{file_id}",
        "file_name": file_name,
        "mime_type": mime_type,
        "file_size": file_size,
    }
    if caption is not None:
        message["caption"] = caption
    return {"update_id": update_id, "message": message}


def video_message_update(
    update_id: int,
    user: FakeUser,
    file_id: str,
    *,
    caption: str | None = None,
    chat_id: int | None = None,
    message_id: int = 1,
    date: int | None = None,
    duration: int = 12,
    width: int = 1280,
    height: int = 720,
    mime_type: str = "video/mp4",
    file_size: int | None = 2_345_678,
    file_unique_id: str | None = None,
) -> dict[str, Any]:
    """A video message."""
    message = _message(user, chat_id=chat_id, message_id=message_id, date=date, reply_to=None)
    video: dict[str, Any] = {
        "file_id": file_id,
        "file_unique_id": file_unique_id or f"u-{file_id}",
        "width": width,
        "height": height,
        "duration": duration,
        "mime_type": mime_type,
    }
    if file_size is not None:
        video["file_size"] = file_size
    message["video"] = video
    if caption is not None:
        message["caption"] = caption
    return {"update_id": update_id, "message": message}


def animation_message_update(
    update_id: int,
    user: FakeUser,
    file_id: str,
    *,
    caption: str | None = None,
    chat_id: int | None = None,
    message_id: int = 1,
    date: int | None = None,
    duration: int = 3,
    file_size: int | None = 345_678,
    file_unique_id: str | None = None,
) -> dict[str, Any]:
    """A GIF as Telegram delivers it: ``animation`` plus the same file as ``document``."""
    message = _message(user, chat_id=chat_id, message_id=message_id, date=date, reply_to=None)
    animation: dict[str, Any] = {
        "file_id": file_id,
        "file_unique_id": file_unique_id or f"u-{file_id}",
        "width": 480,
        "height": 270,
        "duration": duration,
        "file_name": "demo.gif.mp4",
        "mime_type": "video/mp4",
    }
    if file_size is not None:
        animation["file_size"] = file_size
    message["animation"] = animation
    message["document"] = {
        k: animation[k]
        for k in ("file_id", "file_unique_id", "file_name", "mime_type", "file_size")
        if k in animation
    }
    if caption is not None:
        message["caption"] = caption
    return {"update_id": update_id, "message": message}


def voice_message_update(
    update_id: int,
    user: FakeUser,
    file_id: str,
    *,
    caption: str | None = None,
    chat_id: int | None = None,
    message_id: int = 1,
    date: int | None = None,
    duration: int = 7,
    file_unique_id: str | None = None,
) -> dict[str, Any]:
    """A voice note."""
    message = _message(user, chat_id=chat_id, message_id=message_id, date=date, reply_to=None)
    message["voice"] = {
        "file_id": file_id,
        "file_unique_id": file_unique_id or f"u-{file_id}",
        "duration": duration,
        "mime_type": "audio/ogg",
    }
    if caption is not None:
        message["caption"] = caption
    return {"update_id": update_id, "message": message}


def my_chat_member_update(
    update_id: int,
    user: FakeUser,
    bot_user: dict[str, Any],
    *,
    old_status: str = "member",
    new_status: str = "kicked",
    date: int | None = None,
) -> dict[str, Any]:
    """The bot's membership in a private chat changed: ``kicked`` means the user blocked it."""

    def member(status: str) -> dict[str, Any]:
        data: dict[str, Any] = {"status": status, "user": bot_user}
        if status == "kicked":
            data["until_date"] = 0
        return data

    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": user.private_chat(),
            "from": user.to_dict(),
            "date": int(time.time()) if date is None else date,
            "old_chat_member": member(old_status),
            "new_chat_member": member(new_status),
        },
    }
