"""On PostgreSQL each pooled connection keeps a bounded number of prepared statements.

Every statement asyncpg keeps prepared carries descriptors of its columns that the garbage
collector walks in each full collection (see ``storage.db.POSTGRES_PREPARED_STATEMENTS``), so
the bot keeps fewer than SQLAlchemy's default; a statement that fell out is prepared again and
answers as before.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from storage.db import POSTGRES_PREPARED_STATEMENTS, create_engine
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="PostgreSQL only")


async def test_a_connection_keeps_at_most_the_bound_and_evicted_statements_still_answer() -> None:
    assert POSTGRES_URL is not None
    engine = create_engine(POSTGRES_URL)
    kinds = POSTGRES_PREPARED_STATEMENTS * 2
    try:
        async with engine.connect() as conn:
            for number in range(kinds):
                # Each text is a statement of its own kind, prepared on first use.
                got = await conn.scalar(text(f"SELECT {number} + CAST(:n AS integer)"), {"n": 1})
                assert got == number + 1
            raw = await conn.get_raw_connection()
            cache = raw.dbapi_connection._prepared_statement_cache  # type: ignore[union-attr]
            assert cache is not None
            # SQLAlchemy's LRU cache lets half as many again in before it prunes to the bound.
            assert len(cache) <= POSTGRES_PREPARED_STATEMENTS * 1.5 < kinds
            # The first statements were evicted; run again, they are prepared anew and answer.
            assert await conn.scalar(text("SELECT 0 + CAST(:n AS integer)"), {"n": 41}) == 41
    finally:
        await engine.dispose()
