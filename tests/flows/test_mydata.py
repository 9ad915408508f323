"""/mydata through the chat: the JSON and both CSVs arrive as documents."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import ZELDA, rich_client
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]


async def test_mydata_sends_three_documents(sim: ChatSimulator, session_factory: Factory) -> None:
    await rich_client(session_factory)
    zelda = sim.user(ZELDA, "Zelda")
    replies = await zelda.send("/mydata")
    assert "Your data" in replies[0].text
    assert "2 sessions, 2 sets" in replies[0].text
    documents = [r for r in replies if r.document]
    names = [d.document["file_name"] for d in documents if d.document]
    assert [n.rsplit(".", 1)[1] for n in names] == ["json", "csv", "csv"]
    assert "strong" in names[1]
    assert "hevy" in names[2]
    assert documents[0].file_bytes is not None
    assert json.loads(documents[0].file_bytes)["account"]["telegram_id"] == ZELDA
    assert documents[1].file_bytes is not None
    assert documents[1].file_bytes.startswith(b"Date,Workout Name,Duration,")
    assert documents[2].file_bytes is not None
    assert documents[2].file_bytes.startswith(b"title,start_time,end_time")


async def test_mydata_for_a_stranger(sim: ChatSimulator) -> None:
    stranger = sim.user(4242, "Stranger")
    await stranger.send("/mydata")
    assert "Send /start first" in stranger.last_reply.text
    assert not any(r.document for r in stranger.replies)
