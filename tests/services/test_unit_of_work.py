"""The unit of work owns the repositories: one of each per transaction, over its one session."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import User
from storage.uow import UnitOfWork
from tests.factories import make_user

Factory = async_sessionmaker[AsyncSession]


async def test_a_row_added_through_one_repository_is_read_through_another(
    session_factory: Factory,
) -> None:
    uow = UnitOfWork(session_factory)
    async with uow:
        uow.users.add(User(telegram_id=42, first_name="Ann", timezone="UTC"))
        await uow.flush()
        found = await uow.users.by_telegram_id(42)
        assert found is not None
        assert await uow.get(User, found.id) is found, "one session under every repository"
        await uow.commit()
    async with uow:
        again = await uow.users.by_telegram_id(42)
        assert again is not None
        assert again.first_name == "Ann"


async def test_leaving_without_a_commit_stores_nothing(session_factory: Factory) -> None:
    async with UnitOfWork(session_factory) as uow:
        uow.add(User(telegram_id=43, first_name="Ben", timezone="UTC"))
        await uow.flush()
    async with UnitOfWork(session_factory) as uow:
        assert await uow.users.by_telegram_id(43) is None


async def test_repositories_are_not_usable_outside_the_transaction(
    session_factory: Factory,
) -> None:
    uow = UnitOfWork(session_factory)
    with pytest.raises(RuntimeError, match="not open"):
        _ = uow.users
    async with uow:
        inside = uow.users
        assert uow.users is inside
    with pytest.raises(RuntimeError, match="not open"):
        _ = uow.users


async def test_a_joined_unit_of_work_uses_its_callers_session(session_factory: Factory) -> None:
    await make_user(session_factory, 44, "Cal", trainer=True)
    async with session_factory() as session:
        joined = UnitOfWork.joining(session)
        actor = await joined.users.acting(44)
        assert actor.is_trainer
        assert joined.session is session
        with pytest.raises(RuntimeError, match="already open"):
            async with joined:
                pass
