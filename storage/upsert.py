"""INSERT ... ON CONFLICT for both backends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert


def upsert_statement(
    session: AsyncSession,
    table: Table,
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str] | None = None,
) -> Insert:
    """An insert that updates ``update`` columns (or does nothing) when ``keys`` collide."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table).values(values)
    if not update:
        return statement.on_conflict_do_nothing(index_elements=list(keys))  # type: ignore[no-any-return]
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=list(keys), set_={name: statement.excluded[name] for name in update}
    )
