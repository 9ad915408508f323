"""ErasureService: every table is checked for anything that identifies the erased client."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import (
    RelationshipStatus,
    ReminderStatus,
)
from coaching.errors import Conflict, NotFound
from coaching.services.base import ServiceContext
from coaching.services.erasure import ErasureService
from storage.models import (
    Base,
    ClientAlert,
    ClientProfile,
    Invite,
    Measurement,
    MediaNote,
    ProgressPhoto,
    Relationship,
    Reminder,
    SessionRecord,
    SetRecord,
    User,
    UserData,
)
from tests.factories import TOM, ZELDA, rich_client

Factory = async_sessionmaker[AsyncSession]
SECRETS = (
    str(ZELDA),
    "Zelda",
    "Quixote",
    "zquix",
    "zelda@example.org",
    "+34600111222",
    "torn meniscus",
    "asthma inhaler",
    "Calle Falsa 123",
    "run a marathon",
    "ZELDAPHOTO",
    "ZELDAVIDEO",
    "ZELDAREC",
    "felt dizzy",
    "knee hurt",
    "Zelda's form",
    "invite-hash-zelda",
)


def _leaks(value: Any) -> list[str]:
    rendered = json.dumps(value, default=str) if not isinstance(value, str) else value
    return [secret for secret in SECRETS if secret.lower() in rendered.lower()]


async def test_nothing_identifying_remains_in_any_table(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    rich = await rich_client(session_factory)
    done = await ErasureService(ctx).erase(ZELDA)
    assert [(n.telegram_id, n.client_name) for n in done.notices] == [(TOM, "Zelda Quixote")]

    found: list[str] = []
    async with session_factory() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(text(f'SELECT * FROM "{table.name}"'))).mappings()
            for row in rows:
                for column, value in row.items():
                    if value is None:
                        continue
                    leaked = _leaks(value)
                    if isinstance(value, int) and value == ZELDA:
                        leaked.append(str(ZELDA))
                    found += [f"{table.name}.{column}: {secret}" for secret in leaked]
    assert found == [], found

    async with session_factory() as session:
        for model in (Measurement, ProgressPhoto, MediaNote, ClientAlert, Invite, UserData):
            count = len((await session.execute(select(model))).scalars().all())
            assert count == 0, f"{model.__tablename__} still has rows"
        user = await session.get(User, rich.client.id)
        assert user is not None
        assert user.telegram_id == -user.id
        assert user.first_name == "Deleted user"
        assert user.erased_at is not None
        assert await session.get(ClientProfile, rich.own_profile_id) is None
        kept = await session.get(ClientProfile, rich.profile_id)
        assert kept is not None
        assert (kept.name, kept.user_id, kept.erased_at is not None) == (
            "Deleted client",
            None,
            True,
        )
        relationship = (await session.execute(select(Relationship))).scalar_one()
        assert relationship.status is RelationshipStatus.TERMINATED
        assert relationship.status_reason == "client erased their data"
        reminders = list((await session.execute(select(Reminder))).scalars())
        assert {r.status for r in reminders} == {ReminderStatus.CANCELLED}
        # The trainer's own records stay, anonymised: the session and its sets.
        record = await session.get(SessionRecord, rich.record_id)
        assert record is not None
        assert record.trainee_feedback == {}
        sets = list((await session.execute(select(SetRecord))).scalars())
        assert [(s.client_profile_id, s.weight_kg, s.reps) for s in sets] == [
            (rich.profile_id, Decimal("80.000"), 5)
        ]


async def test_every_table_referencing_a_person_is_covered() -> None:
    """A new table that points at users or client_profiles must be looked at here."""
    referencing = sorted(
        table.name
        for table in Base.metadata.sorted_tables
        if any(
            fk.column.table.name in ("users", "client_profiles")
            for column in table.columns
            for fk in column.foreign_keys
        )
    )
    handled = {
        "certificates",  # with the trainer profile
        "client_alerts",
        "client_profiles",
        "coaching_sessions",
        "exercise_demos",  # a trainer's demos go with their account
        "exercise_templates",
        "exercises",
        "invites",
        "measurements",
        "media_notes",
        "permissions",
        "program_assignments",
        "program_modifications",
        "program_sessions",
        "programs",
        "progress_photos",
        "progression_access",
        "relationships",
        "reminders",
        "session_records",
        "session_templates",
        "set_records",
        "trainer_categories",
        "trainer_profiles",
        "trainer_tags",
        "training_feedback",
        "workout_changes",  # by the trainer; names exercises and targets, nothing personal
        "workout_messages",  # a client's conversations are deleted; a trainer's stay, anonymised
    }
    assert set(referencing) <= handled, set(referencing) - handled


async def test_erasing_twice_or_unknown_is_refused(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await rich_client(session_factory)
    svc = ErasureService(ctx)
    preview = await svc.preview(ZELDA)
    assert (preview.profiles, preview.measurements, preview.photos) == (2, 2, 2)
    assert preview.trainers == ("Tom",)
    await svc.erase(ZELDA)
    with pytest.raises(NotFound):
        await svc.erase(ZELDA)


async def test_a_trainer_with_current_clients_is_refused(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await rich_client(session_factory)
    with pytest.raises(Conflict, match="coach 1 client"):
        await ErasureService(ctx).preview(TOM)
