"""Fixtures the flow tests share."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import make_user
from tests.fakes.chat import ChatSimulator, SimUser


@pytest.fixture
async def tara(sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]) -> SimUser:
    """Tara (1001), a trainer with nothing yet, in the chat simulator."""
    await make_user(session_factory, 1001, "Tara", trainer=True)
    return sim.user(1001, "Tara")
