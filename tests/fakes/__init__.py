"""Test doubles for the Telegram side of Spotter.

* :class:`FakeBotAPI` - an in-memory Bot API; :class:`FakeRequest` plugs it into PTB.
* :class:`FakeBotAPIServer` - the same fake over HTTP for process tests.
* :class:`ChatSimulator` - conversation-style tests over an ``Application``.
* :mod:`tests.fakes.updates` - incoming update factories.
"""

from tests.fakes.botapi import (
    Call,
    FakeBotAPI,
    FakeRequest,
    RateLimit,
    StoredFile,
    TelegramAPIError,
    TransportFault,
    UploadedFile,
)
from tests.fakes.chat import ChatSimulator, HandlerError, Reply, SimUser
from tests.fakes.http_server import FakeBotAPIServer
from tests.fakes.updates import (
    FakeUser,
    callback_update,
    document_message_update,
    message_update,
    my_chat_member_update,
    photo_message_update,
    video_message_update,
)

__all__ = [
    "Call",
    "ChatSimulator",
    "FakeBotAPI",
    "FakeBotAPIServer",
    "FakeRequest",
    "FakeUser",
    "HandlerError",
    "RateLimit",
    "Reply",
    "SimUser",
    "StoredFile",
    "TelegramAPIError",
    "TransportFault",
    "UploadedFile",
    "callback_update",
    "document_message_update",
    "message_update",
    "my_chat_member_update",
    "photo_message_update",
    "video_message_update",
]
