"""ErasureService: every table is checked for anything that identifies the erased client."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import (
    AlertSeverity,
    AlertType,
    InviteStatus,
    MediaKind,
    RecordStatus,
    RelationshipStatus,
    ReminderKind,
    ReminderStatus,
    SetType,
)
from coaching.errors import Conflict, NotFound
from coaching.services.base import ServiceContext
from coaching.services.erasure import ErasureService
from storage.models import (
    Base,
    ClientAlert,
    ClientProfile,
    CoachingSession,
    ConversationState,
    Exercise,
    ExerciseRecord,
    Invite,
    InviteAttempt,
    Measurement,
    MediaNote,
    ProgressPhoto,
    Relationship,
    Reminder,
    SessionRecord,
    SetRecord,
    TrainingFeedback,
    User,
    UserData,
)
from tests.factories import make_coaching, make_user

Factory = async_sessionmaker[AsyncSession]
TOM = 1001
ZELDA = 987_654_321
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


@dataclass(frozen=True)
class Rich:
    trainer: User
    client: User
    profile_id: int
    own_profile_id: int
    record_id: int


async def rich_client(factory: Factory) -> Rich:
    """Zelda: coached by Tom, with every kind of personal data Spotter stores."""
    tom = await make_user(factory, TOM, "Tom", trainer=True)
    zelda = await make_user(factory, ZELDA, "Zelda", client=True)
    coaching = await make_coaching(factory, tom, zelda, name="Zelda Quixote")
    now = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    async with factory() as session:
        user = await session.get(User, zelda.id)
        assert user is not None
        user.last_name, user.username = "Quixote", "zquix"
        user.email, user.phone = "zelda@example.org", "+34600111222"
        profile = await session.get(ClientProfile, coaching.profile.id)
        assert profile is not None
        profile.email, profile.phone = "zelda@example.org", "+34600111222"
        profile.date_of_birth, profile.gender = date(1990, 5, 1), "female"
        profile.address, profile.emergency_contact = "Calle Falsa 123", "Mum +34600111222"
        profile.height_cm, profile.current_weight_kg = Decimal("170.0"), Decimal("62.00")
        profile.injuries = [{"text": "torn meniscus"}]
        profile.medical_notes, profile.goals = "asthma inhaler", ["run a marathon"]
        own = ClientProfile(user_id=zelda.id, name="Zelda Quixote", created_by=zelda.id)
        session.add(own)
        await session.flush()
        for profile_id in (profile.id, own.id):
            session.add(
                Measurement(
                    client_profile_id=profile_id,
                    kind="weight",
                    value=Decimal("62"),
                    unit="kg",
                    measured_on=date(2026, 11, 1),
                    note="Zelda's form",
                    created_by=zelda.id,
                )
            )
            session.add(
                ProgressPhoto(
                    client_profile_id=profile_id,
                    file_id=f"ZELDAPHOTO{profile_id}",
                    taken_on=date(2026, 11, 1),
                    created_by=zelda.id,
                )
            )
        squat = (
            await session.execute(select(Exercise).where(Exercise.slug == "barbell-back-squat"))
        ).scalar_one()
        record_ids = []
        for profile_id, trainer_id in ((profile.id, tom.id), (own.id, None)):
            record = SessionRecord(
                client_profile_id=profile_id,
                trainer_user_id=trainer_id,
                logged_by_user_id=zelda.id,
                title="Legs",
                session_date=now.date(),
                start_time=now,
                end_time=now + timedelta(hours=1),
                completed=True,
                status=RecordStatus.COMPLETED,
                trainee_feedback={"rpe": 8, "text": "felt dizzy"},
                session_metadata={"messages": {str(ZELDA): 55}},
                trainer_notes="knee hurt",
                created_by=zelda.id,
                exercises=[
                    ExerciseRecord(
                        exercise_id=squat.id,
                        exercise_name="Barbell Back Squat",
                        order_index=0,
                        notes="knee hurt",
                        sets=[
                            SetRecord(
                                client_profile_id=profile_id,
                                exercise_id=squat.id,
                                set_index=1,
                                set_type=SetType.NORMAL,
                                weight_kg=Decimal("80"),
                                reps=5,
                                performed_at=now,
                                source_key=f"u{profile_id}",
                            )
                        ],
                    )
                ],
            )
            session.add(record)
            await session.flush()
            record_ids.append(record.id)
        feedback = TrainingFeedback(
            session_record_id=record_ids[0],
            client_profile_id=profile.id,
            trainer_user_id=tom.id,
            feedback_date=now.date(),
            feedback_text="Zelda's form was great; knee hurt",
            created_by=tom.id,
        )
        session.add(feedback)
        session.add(
            MediaNote(
                session_record_id=record_ids[0],
                media_kind=MediaKind.VIDEO,
                file_id="ZELDAVIDEO1",
                comment="Zelda's form",
                created_by=zelda.id,
            )
        )
        session.add(
            ClientAlert(
                client_profile_id=profile.id,
                trainer_user_id=tom.id,
                alert_type=AlertType.INJURY_REPORTED,
                severity=AlertSeverity.HIGH,
                message="Zelda Quixote reported: torn meniscus",
                dedup_key="injury:1",
                created_by=zelda.id,
            )
        )
        appointment = CoachingSession(
            relationship_id=coaching.relationship.id,
            title="Legs",
            scheduled_at=now + timedelta(days=5),
            client_feedback="felt dizzy",
            trainer_notes="Zelda's form",
            recording_file_id="ZELDAREC1",
            created_by=tom.id,
        )
        session.add(appointment)
        await session.flush()
        session.add(
            Reminder(
                user_id=zelda.id,
                coaching_session_id=appointment.id,
                kind=ReminderKind.BEFORE_SESSION,
                due_at=now + timedelta(days=4),
                payload={"name": "Zelda"},
            )
        )
        session.add(
            Reminder(
                user_id=tom.id,
                kind=ReminderKind.DIGEST,
                due_at=now + timedelta(days=1),
                payload={"client_profile_id": profile.id, "text": "Zelda Quixote missed"},
            )
        )
        session.add(
            Invite(
                token_hash="invite-hash-zelda",
                client_profile_id=profile.id,
                trainer_user_id=tom.id,
                expires_at=now + timedelta(days=7),
                status=InviteStatus.USED,
                used_by_user_id=zelda.id,
                created_by=tom.id,
            )
        )
        session.add(InviteAttempt(telegram_id=ZELDA, attempted_at=now))
        session.add(UserData(user_id=ZELDA, data={"draft": "Zelda"}, updated_at=now))
        session.add(
            ConversationState(
                name="measure", key=json.dumps([ZELDA, ZELDA]), state=1, updated_at=now
            )
        )
        relationship = await session.get(Relationship, coaching.relationship.id)
        assert relationship is not None
        relationship.notes = "Zelda Quixote: torn meniscus"
        await session.commit()
        return Rich(tom, zelda, profile.id, own.id, record_ids[0])


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
