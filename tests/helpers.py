"""Small helpers many tests share that write no rows: times written as text, the texts a chat
received, a stand-in for a job's context, and a recorder of the SQL an engine runs.

Rows for a test to start from are in :mod:`tests.factories`; the fake Telegram is in
:mod:`tests.fakes`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.application import SpotterApplication
from tests.fakes.botapi import FakeBotAPI


def u(text: str) -> datetime:
    """A UTC instant written as ``"YYYY-MM-DD HH:MM"``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def texts(api: FakeBotAPI, chat_id: int) -> list[str]:
    """The text of every message in ``chat_id`` as the fake stores it now, oldest first."""
    return [str(message.get("text", "")) for message in api.sent_to(chat_id)]


def job_context(app: SpotterApplication) -> Any:
    """What a job callback reads from its context: the application and its bot."""
    return type("Ctx", (), {"application": app, "bot": app.bot})()


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[list[str]]:
    """Record every SQL statement ``engine`` runs inside the block, in order."""
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
