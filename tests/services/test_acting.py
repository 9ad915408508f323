"""Who is acting: one resolver for every service. An erased account is refused like one the bot
never knew: nothing is read or written in its name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.actors import NOT_REGISTERED, Erased, NotATrainer, NotRegistered
from coaching.domain.enums import Role
from coaching.domain.threads import TargetKind, ThreadTarget
from coaching.errors import DomainError
from coaching.services.alerts import AlertService
from coaching.services.assignments import AssignmentChoices
from coaching.services.base import ServiceContext
from coaching.services.calendar import CalendarService
from coaching.services.charts import ChartService
from coaching.services.clients import ClientService
from coaching.services.dashboard import DashboardService
from coaching.services.directory import DirectoryService
from coaching.services.erasure import UNKNOWN_USER, ErasureService
from coaching.services.exercises import TRAINERS_ONLY, ExerciseService, NewExercise
from coaching.services.feedback import ClientFeedbackService, ReviewService
from coaching.services.howtos import HowToService
from coaching.services.invites import InviteService
from coaching.services.live import StartPart
from coaching.services.measurements import MeasurementService
from coaching.services.permissions import PermissionService
from coaching.services.plan import PlanService
from coaching.services.profiles import ProfileService
from coaching.services.programs import ProgramService
from coaching.services.relationships import RelationshipService
from coaching.services.reminders import ReminderService, SettingsService
from coaching.services.templates import TemplateService
from coaching.services.threads import ThreadService
from coaching.services.users import UserService
from storage.models import Exercise, SessionTemplate, TrainerProfile, User
from storage.uow import UnitOfWork
from tests.factories import make_coaching, make_user

Factory = async_sessionmaker[AsyncSession]
ERASED = 1001
CLIENT = 2001
ERASED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

Call = Callable[[ServiceContext], Awaitable[object]]

# Every use case below starts by resolving who is acting; each must refuse an erased account.
CALLS: dict[str, Call] = {
    "choose roles": lambda c: UserService(c).choose_roles(ERASED, frozenset({Role.TRAINER})),
    "dashboard": lambda c: DashboardService(c).dashboard(ERASED),
    "own progress": lambda c: DashboardService(c).own_progress(ERASED),
    "alerts": lambda c: AlertService(c).open_alerts(ERASED),
    "calendar": lambda c: CalendarService(c).upcoming(ERASED),
    "own exercises": lambda c: ExerciseService(c).own_page(ERASED),
    "add exercise": lambda c: ExerciseService(c).add_own(ERASED, NewExercise("Sled push")),
    "new template": lambda c: TemplateService(c).create(ERASED, "Leg day"),
    "programs": lambda c: ProgramService(c).page(ERASED),
    "measurements": lambda c: MeasurementService(c).recent_own(ERASED),
    "client measurements": lambda c: MeasurementService(c).client_page(ERASED),
    "capacity": lambda c: ClientService(c).capacity(ERASED),
    "revoke invite": lambda c: InviteService(c).revoke(ERASED, 1),
    "chart": lambda c: ChartService(c).volume(ERASED, None),
    "trainer card": lambda c: DirectoryService(c).card(ERASED, "x"),
    "resume": lambda c: RelationshipService(c).resume(ERASED, 1),
    "my trainers": lambda c: PermissionService(c).trainers(ERASED),
}


async def _erased_trainer(factory: Factory) -> User:
    """A trainer (with a client) whose account is marked erased but still has its Telegram id:
    the resolver, not the changed id, must keep them out."""
    trainer = await make_user(factory, ERASED, "Tess", trainer=True, client=True)
    client = await make_user(factory, CLIENT, "Cleo", client=True)
    await make_coaching(factory, trainer, client)
    async with factory() as session:
        row = await session.get(User, trainer.id)
        assert row is not None
        row.erased_at = ERASED_AT
        await session.commit()
    return trainer


async def _counts(factory: Factory) -> tuple[int, ...]:
    counts: list[int] = []
    async with factory() as session:
        for model in (Exercise, SessionTemplate, TrainerProfile, User):
            counts.append(int(await session.scalar(select(func.count()).select_from(model)) or 0))
    return tuple(counts)


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_an_erased_account_is_refused_like_an_unknown_one(
    name: str, ctx: ServiceContext, session_factory: Factory
) -> None:
    await _erased_trainer(session_factory)
    before = await _counts(session_factory)
    with pytest.raises(Erased) as refused:
        await CALLS[name](ctx)
    assert str(refused.value) == NOT_REGISTERED
    assert await _counts(session_factory) == before, "nothing is stored for an erased account"


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_an_unknown_person_is_told_to_start(name: str, ctx: ServiceContext) -> None:
    with pytest.raises(NotRegistered) as refused:
        await CALLS[name](ctx)
    assert not isinstance(refused.value, Erased)
    assert str(refused.value) == NOT_REGISTERED


async def test_reads_that_answer_anyone_treat_an_erased_account_as_unknown(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await _erased_trainer(session_factory)
    assert await UserService(ctx).get(ERASED) is None
    today = await PlanService(ctx).today(ERASED)
    assert not today.is_client
    assert today.sessions == ()
    assert await PlanService(ctx).calendar_file(ERASED) is None
    with pytest.raises(NotRegistered, match="nothing to erase") as refused:
        await ErasureService(ctx).preview(ERASED)
    assert str(refused.value) == UNKNOWN_USER


async def test_the_trainer_profile_refuses_an_erased_account_as_it_does_a_client(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await _erased_trainer(session_factory)
    before = await _counts(session_factory)
    for call in (ProfileService(ctx).get, ProfileService(ctx).toggle_accepting):
        with pytest.raises(NotATrainer, match="This is for trainers"):
            await call(ERASED)
    with pytest.raises(NotATrainer, match="This is for trainers"):
        await ProfileService(ctx).set_bio(ERASED, "Strength coach")
    assert await _counts(session_factory) == before


async def test_after_erasure_the_old_account_cannot_act(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    """/deleteme swaps the Telegram id for ``-users.id``; that id cannot act either."""
    client = await make_user(session_factory, CLIENT, "Cleo", client=True)
    await ErasureService(ctx).erase(CLIENT)
    with pytest.raises(Erased):
        await PermissionService(ctx).trainers(-client.id)
    with pytest.raises(NotRegistered):
        await PermissionService(ctx).trainers(CLIENT)


async def test_a_client_is_refused_trainer_work_by_class_and_feature(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, CLIENT, "Cleo", client=True)
    with pytest.raises(NotATrainer) as refused:
        await ExerciseService(ctx).own_page(CLIENT)
    assert str(refused.value) == TRAINERS_ONLY
    assert refused.value.telegram_id == CLIENT


async def test_the_unit_of_work_resolves_the_acting_user(
    session_factory: Factory,
) -> None:
    trainer = await make_user(session_factory, ERASED, "Tess", trainer=True)
    async with UnitOfWork(session_factory) as uow:
        actor = await uow.users.acting(ERASED)
        assert (actor.id, actor.is_trainer, actor.is_client) == (trainer.id, True, False)
        assert actor.trainer(TRAINERS_ONLY).id == trainer.id
        assert await uow.users.acting_or_none(CLIENT) is None
        assert uow.users is uow.users, "one repository per unit of work"


# Use cases that refuse a person they don't know in words of their own: an erased account
# (which still has its Telegram id here) gets exactly the answer an unknown one gets.
OWN_WORDS: dict[str, Callable[[ServiceContext, int], Awaitable[object]]] = {
    "thread": lambda c, who: ThreadService(c).open(who, ThreadTarget(TargetKind.CLIENT, 1)),
    "post": lambda c, who: ThreadService(c).post(who, ThreadTarget(TargetKind.CLIENT, 1), "Hi"),
    "rate": lambda c, who: ClientFeedbackService(c).rate(who, 1, 8),
    "recent sessions": lambda c, who: ClientFeedbackService(c).recent(who),
    "review list": lambda c, who: ReviewService(c).review_list(who),
    "how-to": lambda c, who: HowToService(c).view(who, 1),
    "live menu": lambda c, who: StartPart(c).menu(who),
    "live turn": lambda c, who: StartPart(c).turn(who, 1),
    "settings": lambda c, who: SettingsService(c).get(who),
    "see plan": lambda c, who: ReminderService(c).session_details(who, 1),
    "assign": lambda c, who: AssignmentChoices(c).client_page(who),
}


@pytest.mark.parametrize("name", sorted(OWN_WORDS))
async def test_an_erased_account_gets_the_answer_an_unknown_person_gets(
    name: str, ctx: ServiceContext, session_factory: Factory
) -> None:
    await _erased_trainer(session_factory)
    before = await _counts(session_factory)
    with pytest.raises(DomainError) as unknown:
        await OWN_WORDS[name](ctx, 999_999)
    with pytest.raises(DomainError) as erased:
        await OWN_WORDS[name](ctx, ERASED)
    assert (type(erased.value), str(erased.value)) == (type(unknown.value), str(unknown.value))
    assert await _counts(session_factory) == before
