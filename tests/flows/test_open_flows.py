"""One person, several open flows: typed text goes to the flow they used last.

A button on a notice (an alert's "Resolve", a card's action) opens a flow without closing the
one already open, so two flows can wait for typed text at once. The text, a photo, and /cancel
go to the flow the person entered or answered most recently; when that one ends, the flow
below owns typed text again, also across a restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.application import SpotterApplication
from bot.config import Settings
from coaching.clock import ManualClock
from coaching.domain.alerts import AlertDraft
from coaching.domain.enums import AlertSeverity, AlertType
from coaching.services.alerts import raise_alert
from coaching.services.base import ServiceContext
from conversations import alerts as alert_flow
from conversations import settings as settings_flow
from conversations.common import END, Context, answer
from conversations.flow import OPEN_FLOWS, Flow, conversation_state
from storage.models import UserData
from tests.conftest import make_sim, new_app, restarted
from tests.factories import (
    Coaching,
    live_message,
    make_coaching,
    make_user,
    plan_session,
    trainer_and_client,
)
from tests.factories import client_alerts as _alerts
from tests.factories import set_count as _set_count
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator, Reply, SimUser

Factory = async_sessionmaker[AsyncSession]

TOM = 1001
NOTE = "Called Alice; the knee is fine, full load next week."


# --------------------------------------------------------------------------- helpers


async def _alert_notice(
    app: SpotterApplication, ctx: ServiceContext, coaching: Coaching, reference: str = "r1"
) -> None:
    """A HIGH alert for the trainer, and its urgent notice (with "👀 Open alert") sent."""
    draft = AlertDraft(
        AlertType.PERFORMANCE_DECLINE,
        AlertSeverity.HIGH,
        f"test:{reference}",
        "Squat e1RM down 12% over 3 sessions.",
    )
    async with ctx.uow() as uow:
        await raise_alert(uow, coaching.trainer.id, coaching.profile.id, draft, ctx.clock.now())
        await uow.commit()
    context: Any = type("Ctx", (), {"application": app, "bot": app.bot})()
    assert await alert_flow.send_urgent(context) == 1


def _notice(user: SimUser) -> Reply:
    for reply in reversed(user.replies):
        if "👀 Open alert" in reply.flat_buttons:
            return reply
    raise AssertionError(f"no alert notice for {user.name}:\n{user.transcript()}")


async def _open_resolve_step(user: SimUser) -> None:
    """Press the notice's "Open alert", then "Resolve": the alerts flow asks for notes."""
    await user.press("👀 Open alert", message_id=_notice(user).message_id)
    await user.press("✅ Resolve")
    assert "Any notes on how you handled it?" in user.last_reply.text


async def _stored_user_data(factory: Factory, telegram_id: int) -> dict[str, Any]:
    async with factory() as session:
        row = await session.get(UserData, telegram_id)
        return dict(row.data) if row is not None and row.data else {}


async def _live_session(sim: ChatSimulator, factory: Factory, clock: ManualClock) -> Coaching:
    """Tom is logging Alice's planned session live (the /log flow waits for sets)."""
    coaching = await trainer_and_client(factory)
    await plan_session(factory, coaching, at=clock.now() + timedelta(hours=1))
    tom = sim.user(TOM, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    assert "Started" in live_message(tom).text
    return coaching


# --------------------------------------------------------------------------- settings + alerts


async def test_a_note_typed_after_resolve_goes_to_alerts_not_to_the_open_settings(
    sim: ChatSimulator, app: SpotterApplication, ctx: ServiceContext, session_factory: Factory
) -> None:
    trainer = await make_user(session_factory, TOM, "Tara", trainer=True)
    client = await make_user(session_factory, 2001, "Alice", client=True)
    coaching = await make_coaching(session_factory, trainer, client)
    tara = sim.user(TOM, "Tara")
    await tara.send("/settings")
    await tara.press("⚠️ Alert thresholds")
    assert "Alert thresholds" in tara.last_reply.text  # /settings is still open beneath

    await _alert_notice(app, ctx, coaching)
    await _open_resolve_step(tara)
    await tara.send(NOTE)

    assert "Alert resolved" in tara.last_reply.text
    [alert] = await _alerts(session_factory)
    assert alert.is_resolved
    assert alert.resolution_notes == NOTE

    # The alerts flow has ended: /settings owns typed text again.
    await tara.send("hello")
    assert settings_flow.TAP_OR_TYPE in tara.last_reply.text
    await tara.send("/cancel")
    assert "Cancelled" in tara.last_reply.text
    await tara.send("hello")
    assert "I'm not expecting a message right now" in tara.last_reply.text


async def test_a_button_answered_in_the_older_flow_brings_it_back_on_top(
    sim: ChatSimulator, app: SpotterApplication, ctx: ServiceContext, session_factory: Factory
) -> None:
    trainer = await make_user(session_factory, TOM, "Tara", trainer=True)
    client = await make_user(session_factory, 2001, "Alice", client=True)
    coaching = await make_coaching(session_factory, trainer, client)
    tara = sim.user(TOM, "Tara")
    await tara.send("/settings")
    settings_message = tara.last_reply.message_id
    await _alert_notice(app, ctx, coaching)
    await _open_resolve_step(tara)

    # Back in /settings: the digest step now waits for a time, and gets it.
    await tara.press("📰 Digest time", message_id=settings_message)
    await tara.send("7:15")
    assert "daily digest will arrive at 07:15" in tara.last_reply.text
    assert not (await _alerts(session_factory))[0].is_resolved

    # /settings is done; the alert's note step below owns typed text again.
    await tara.press("✅ Done")
    await tara.send(NOTE)
    assert "Alert resolved" in tara.last_reply.text
    assert (await _alerts(session_factory))[0].resolution_notes == NOTE


# --------------------------------------------------------------------------- live logging


async def test_a_live_session_takes_sets_again_after_a_short_flow_from_a_notice(
    sim: ChatSimulator,
    app: SpotterApplication,
    ctx: ServiceContext,
    clock: ManualClock,
    session_factory: Factory,
) -> None:
    coaching = await _live_session(sim, session_factory, clock)
    tom = sim.users[TOM]
    await _alert_notice(app, ctx, coaching)
    await _open_resolve_step(tom)

    await tom.send(NOTE)
    assert "Alert resolved" in tom.last_reply.text
    assert (await _alerts(session_factory))[0].resolution_notes == NOTE
    assert await _set_count(session_factory) == 0

    await tom.send("100x5")
    assert "Logged: 100 kg × 5" in live_message(tom).text
    assert "Set 2 of 3" in live_message(tom).text
    assert await _set_count(session_factory) == 1


async def test_cancel_closes_the_newest_flow_and_keeps_the_live_session(
    sim: ChatSimulator,
    app: SpotterApplication,
    ctx: ServiceContext,
    clock: ManualClock,
    session_factory: Factory,
) -> None:
    coaching = await _live_session(sim, session_factory, clock)
    tom = sim.users[TOM]
    await _alert_notice(app, ctx, coaching)
    await _open_resolve_step(tom)

    await tom.send("/cancel")
    assert "Cancelled. What you already saved is kept." in tom.last_reply.text
    assert not (await _alerts(session_factory))[0].is_resolved

    await tom.send("100x5")
    assert "Logged: 100 kg × 5" in live_message(tom).text
    assert await _set_count(session_factory) == 1
    assert not (await _alerts(session_factory))[0].is_resolved

    # The next /cancel is the live session's own: it pauses, nothing is lost.
    await tom.send("/cancel")
    assert "Logging paused. 1 set is saved" in tom.last_reply.text
    await tom.send("100x5")
    assert "I'm not expecting a message right now" in tom.last_reply.text
    assert await _set_count(session_factory) == 1


async def test_bad_input_in_the_newer_flow_is_answered_there(
    sim: ChatSimulator,
    app: SpotterApplication,
    ctx: ServiceContext,
    clock: ManualClock,
    session_factory: Factory,
) -> None:
    coaching = await _live_session(sim, session_factory, clock)
    tom = sim.users[TOM]
    await _alert_notice(app, ctx, coaching)
    await _open_resolve_step(tom)

    await tom.send("x" * 1001)
    assert "limit is 1000" in tom.last_reply.text
    assert "Any notes on how you handled it?" in tom.last_reply.text
    assert not (await _alerts(session_factory))[0].is_resolved
    assert await _set_count(session_factory) == 0

    await tom.press("Skip ⏭")
    assert (await _alerts(session_factory))[0].is_resolved
    await tom.send("100x5")
    assert await _set_count(session_factory) == 1


async def test_a_forged_resolve_button_leaves_the_live_session_in_charge(
    sim: ChatSimulator,
    app: SpotterApplication,
    ctx: ServiceContext,
    clock: ManualClock,
    session_factory: Factory,
) -> None:
    await _live_session(sim, session_factory, clock)
    tom = sim.users[TOM]
    await tom.press_data("al:r:99999")
    assert tom.last_answer == alert_flow.NOT_YOURS
    await tom.send("100x5")
    assert "Logged: 100 kg × 5" in live_message(tom).text
    assert await _set_count(session_factory) == 1


async def test_sets_typed_while_two_flows_are_open_write_no_flow_state(
    sim: ChatSimulator,
    app: SpotterApplication,
    ctx: ServiceContext,
    clock: ManualClock,
    engine: AsyncEngine,
    session_factory: Factory,
) -> None:
    coaching = await _live_session(sim, session_factory, clock)
    tom = sim.users[TOM]
    assert OPEN_FLOWS not in await _stored_user_data(session_factory, TOM)  # one flow: nothing
    await _alert_notice(app, ctx, coaching)
    await _open_resolve_step(tom)
    assert OPEN_FLOWS in await _stored_user_data(session_factory, TOM)

    # Tom goes back to the live message; the session is on top again and takes the sets.
    await tom.press("✓ As planned", message_id=live_message(tom).message_id)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        statements.append(sql)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await tom.send("100x5")
        await tom.send("same")
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert await _set_count(session_factory) == 3
    # No flow state is written (on PostgreSQL each update reads its chat's state, a SELECT).
    assert not [s for s in statements if "persistence_" in s and not s.startswith("SELECT")]

    # The live session ends; the alert's note step below gets the next text.
    await tom.press("🏁 Finish", message_id=live_message(tom).message_id)
    finished = await tom.press("Yes, finish")
    assert any("Session complete" in reply.text for reply in finished)
    await tom.send(NOTE)
    assert "Alert resolved" in tom.last_reply.text
    assert OPEN_FLOWS not in await _stored_user_data(session_factory, TOM)


# --------------------------------------------------------------------------- restart


async def test_which_flow_owns_typed_text_survives_restarts(
    settings: Settings,
    app: SpotterApplication,
    api: FakeBotAPI,
    ctx: ServiceContext,
    clock: ManualClock,
    engine: AsyncEngine,
    session_factory: Factory,
) -> None:
    started: list[SpotterApplication] = []
    async with AsyncExitStack() as processes:  # every process is shut down at the end

        async def restart() -> SimUser:
            fresh = await processes.enter_async_context(restarted(settings, api, engine, clock))
            started.append(fresh)
            return make_sim(fresh, api).user(TOM, "Tom")

        coaching = await _live_session(make_sim(app, api), session_factory, clock)
        tom = await restart()
        await _alert_notice(started[-1], ctx, coaching)
        await tom.press("👀 Open alert", message_id=_notice(tom).message_id)
        tom = await restart()
        await tom.press("✅ Resolve")
        tom = await restart()
        await tom.send(NOTE)
        assert "Alert resolved" in tom.last_reply.text
        assert (await _alerts(session_factory))[0].resolution_notes == NOTE
        assert await _set_count(session_factory) == 0
        tom = await restart()
        await tom.send("100x5")
        assert "Logged: 100 kg × 5" in live_message(tom).text
        assert await _set_count(session_factory) == 1

        # Once more with /cancel, a restart between each step.
        await _alert_notice(started[-1], ctx, coaching, "r2")
        await tom.press("👀 Open alert", message_id=_notice(tom).message_id)
        await tom.press("✅ Resolve")
        tom = await restart()
        await tom.send("/cancel")
        assert "Cancelled" in tom.last_reply.text
        tom = await restart()
        await tom.send("same")
        assert await _set_count(session_factory) == 2
        assert len([a for a in await _alerts(session_factory) if a.is_resolved]) == 1


# --------------------------------------------------------------------------- the mechanism


def _toy_flow(name: str, prefix: str) -> Flow:
    """A flow opened by a button, taking text and photos, ended by another button."""

    async def opened(update: Update, context: Context) -> int:
        await answer(update)
        assert update.effective_chat is not None
        await update.effective_chat.send_message(f"{name} open")
        assert context.user_data is not None
        context.user_data[name] = "draft"
        return 0

    async def poked(update: Update, context: Context) -> int:
        await answer(update)
        return 0

    async def got(update: Update, context: Context) -> int:
        message = update.effective_message
        assert message is not None
        assert update.effective_chat is not None
        what = "a photo" if message.photo else f"text {message.text}"
        await update.effective_chat.send_message(f"{name} got {what}")
        return 0

    async def ended(update: Update, context: Context) -> int:
        await answer(update)
        assert context.user_data is not None
        context.user_data.pop(name, None)
        return END

    return Flow(
        name,
        entry_points=[CallbackQueryHandler(opened, pattern=rf"^{prefix}:go$")],
        states={
            0: [
                CallbackQueryHandler(poked, pattern=rf"^{prefix}:poke$"),
                CallbackQueryHandler(ended, pattern=rf"^{prefix}:end$"),
                MessageHandler(filters.PHOTO | (filters.TEXT & ~filters.COMMAND), got),
            ]
        },
    )


@pytest.fixture
async def toy_sim(
    settings: Settings, api: FakeBotAPI, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[ChatSimulator]:
    """The bot with three toy flows after all the real ones: a, b (a later group) and c."""
    application = new_app(settings, api, engine, clock)
    for group, name in enumerate(("a", "b", "c"), start=900):
        application.add_handler(_toy_flow(name, f"t{name}"), group=group)
    await application.initialize()
    yield make_sim(application, api)
    await application.shutdown()


async def _step(user: SimUser, act: Callable[[], Awaitable[list[Reply]]]) -> str:
    await act()
    return user.last_reply.text


async def test_photos_and_text_go_to_the_newest_open_flow_then_back_down(
    toy_sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, TOM, "Tom", trainer=True)
    tom = toy_sim.user(TOM, "Tom")
    await tom.send("/help")
    for name in ("b", "c", "a"):  # a sits in the earliest group but is entered last
        await tom.press_data(f"t{name}:go")
    assert await _step(tom, lambda: tom.send_photo()) == "a got a photo"
    assert await _step(tom, lambda: tom.send("hi")) == "a got text hi"

    # Answering a button of an older flow puts that flow on top.
    await tom.press_data("tb:poke")
    assert await _step(tom, lambda: tom.send_photo()) == "b got a photo"

    # /cancel closes the newest (b) only; its draft goes, the others' drafts stay.
    assert "Cancelled" in await _step(tom, lambda: tom.send("/cancel"))
    assert await _step(tom, lambda: tom.send("hi")) == "a got text hi"
    data = toy_sim.app.user_data[TOM]
    assert (data.get("a"), data.get("b"), data.get("c")) == ("draft", None, "draft")

    await tom.press_data("ta:end")
    assert await _step(tom, lambda: tom.send("hi")) == "c got text hi"
    stored = await _stored_user_data(session_factory, TOM)
    assert OPEN_FLOWS not in stored  # one flow open: nothing to order
    assert stored.get("c") == "draft"

    # Another command still closes every open flow it passes, as before.
    await tom.send("/nope")
    assert "I don't know that command" in tom.last_reply.text
    assert (await _step(tom, lambda: tom.send("hi"))).startswith("I'm not expecting a message")


async def test_conversation_state_reads_ptb_state(
    sim: ChatSimulator, app: SpotterApplication, session_factory: Factory
) -> None:
    """``conversation_state`` reads a PTB attribute that is not public: this fails on a rename."""
    await make_user(session_factory, TOM, "Tara", trainer=True)
    flows = {
        handler.name: handler
        for handlers in app.handlers.values()
        for handler in handlers
        if isinstance(handler, Flow)
    }
    tara = sim.user(TOM, "Tara")
    assert conversation_state(flows["settings"], (TOM, TOM)) is None
    await tara.send("/settings")
    assert conversation_state(flows["settings"], (TOM, TOM)) == settings_flow.MENU
    assert conversation_state(flows["log"], (TOM, TOM)) is None
    await tara.press("✅ Done")
    assert conversation_state(flows["settings"], (TOM, TOM)) is None
