"""Imports tried the way people really break them: files that are not exports, files re-saved
by a spreadsheet or written in UTF-16, the same rows or file twice, /cancel at every step, a
review button left over from before a restart; and the library upload read off the event loop.
Each gets a clear answer with an example, and nothing is half-stored."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import coaching.services.exports as exports
from coaching.domain.exchange import Library, parse_library
from storage.models import SessionRecord, SessionTemplate, SetRecord
from tests.factories import make_user
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]
ALICE, TOM = 2001, 1001
LIBRARY = (
    b'{"format":"spotter-library","version":1,"templates":[{"name":"Push",'
    b'"exercises":[{"name":"Barbell Bench Press","slug":"barbell-bench-press",'
    b'"target_sets":3}]}],"programs":[]}'
)


async def _counts(factory: Factory) -> tuple[int, int]:
    async with factory() as session:
        records = await session.execute(select(func.count(SessionRecord.id)))
        sets = await session.execute(select(func.count(SetRecord.id)))
        return int(records.scalar_one()), int(sets.scalar_one())


async def test_library_upload_is_read_off_the_event_loop_with_the_same_replies(
    sim: ChatSimulator, session_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_user(session_factory, TOM, "Tom", trainer=True)
    tom = sim.user(TOM, "Tom")
    threads: list[threading.Thread] = []
    parse = parse_library

    def watched(data: bytes) -> Library:
        threads.append(threading.current_thread())
        return parse(data)

    monkeypatch.setattr(exports, "parse_library", watched)
    await tom.send_document(LIBRARY, "library.json", "application/json")
    assert tom.last_reply.text == (
        "✅ Imported 1 template and 0 programs into your library.\n"
        "See them in /templates and /programs."
    )
    await tom.send_document(b'{"format":"spotter-library","version":1,"templates":[{}]}', "l.json")
    assert tom.last_reply.text.startswith(
        "❌ I can't import this file. the library file is wrong at templates → 0 → name"
    )
    assert "Nothing was stored." in tom.last_reply.text
    assert len(threads) == 2
    assert all(t is not threading.main_thread() for t in threads), "parsed in a worker thread"
    async with session_factory() as session:
        stored = await session.execute(select(func.count(SessionTemplate.id)))
        assert stored.scalar_one() == 1
