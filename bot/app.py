"""The composition root: build the Application with everything wired in."""

from __future__ import annotations

import gc
import logging
import sys
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    Defaults,
)
from telegram.request import BaseRequest

from bot.application import SpotterApplication
from bot.config import BotMode, Settings
from bot.errors import on_error
from bot.jobs import leave, register_jobs
from bot.maintenance import prune_processed_updates
from bot.persistence import SqlPersistence
from bot.ratelimit import PacedRateLimiter
from bot.updates import AnsweredQueue, ChatOrderedProcessor
from bot.worker import is_multi_process, worker_name
from coaching.clock import Clock, SystemClock
from coaching.services.base import ServiceContext
from coaching.services.catalogue import sync_builtin_exercises
from coaching.services.container import Services
from coaching.services.offload import close_pools, warm_pools
from conversations import fallbacks, flow_builders
from conversations.heavy import heavy as heavy_update
from conversations.menus import set_default_menu
from conversations.presence import build_presence_handler
from storage.db import (
    POOL_OVERFLOW,
    POOL_SIZE,
    create_engine,
    create_session_factory,
    shareable_url,
)
from storage.uow import UnitOfWorkFactory

log = logging.getLogger("spotter")

FALLBACK_GROUP = 1000
PRESENCE_GROUP = -1  # before every flow: who is here (conversations.presence)
SWITCH_INTERVAL_SECONDS = 0.001


def _command_names(handlers: list[Any]) -> set[str]:
    names: set[str] = set()
    for handler in handlers:
        inner = getattr(handler, "inner", handler)
        if isinstance(inner, CommandHandler):
            names.update(inner.commands)
        elif isinstance(inner, ConversationHandler):
            names.update(_command_names(list(inner.entry_points)))
    return names


def _module_handlers() -> list[Any]:
    """Every flow module's handlers, in module order and, within a module, in its list's order.

    Each gets a group of its own. Within one group PTB runs only the first handler that
    matches, so a flow that lets another command through (ending or staying open) would
    otherwise shadow a stand-alone command of its own module: /help beside the /start flow,
    /import beside the importer. In groups of their own, the flow passes the command on and
    the next group answers it; a handler that answers stops the update there, as before.
    """
    handlers: list[Any] = []
    for build in flow_builders():
        built = build()
        handlers.extend(built if isinstance(built, list | tuple) else [built])
    return handlers


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    clock: Clock | None = None,
    engine: AsyncEngine | None = None,
    rate_limiter: bool = True,
    tune_runtime: bool = False,
) -> SpotterApplication:
    """Build the bot. Tests pass a fake ``request``, a manual ``clock`` and their engine."""
    engine = engine or create_engine(settings.database_url)
    session_factory = create_session_factory(engine)
    ctx = ServiceContext(
        uow=UnitOfWorkFactory(session_factory),
        clock=clock or SystemClock(),
        default_timezone=settings.default_timezone,
        # The engine's own address: tests hand in an engine of their own.
        database_url=shareable_url(engine.url.render_as_string(hide_password=False)),
    )

    builder = (
        ApplicationBuilder()
        .application_class(SpotterApplication)
        .token(settings.bot_token.get_secret_value())
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .persistence(_persistence(settings, session_factory))
        .concurrent_updates(
            ChatOrderedProcessor(settings.max_concurrent_updates, heavy=heavy_update)
        )
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.bot_mode is BotMode.WEBHOOK:
        builder = builder.update_queue(AnsweredQueue())
    if rate_limiter:
        builder = builder.rate_limiter(
            PacedRateLimiter(max_retries=3, bulk_per_second=settings.bulk_sends_per_second)  # type: ignore[arg-type]
        )
    if settings.telegram_api_base_url:
        base = settings.telegram_api_base_url
        builder = builder.base_url(base).base_file_url(_file_url(base))
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)

    app = builder.build()
    assert isinstance(app, SpotterApplication)
    app.services = Services(
        settings=settings, ctx=ctx, extras={"engine": engine, "tune_runtime": tune_runtime}
    )

    handlers = _module_handlers()
    if len(handlers) >= FALLBACK_GROUP:
        raise RuntimeError("more handlers than groups before the catch-alls")
    app.add_handler(build_presence_handler(), group=PRESENCE_GROUP)
    for group, handler in enumerate(handlers, start=1):
        app.add_handler(handler, group=group)
    for handler in fallbacks.build_handler():
        app.add_handler(handler, group=FALLBACK_GROUP)
    app.add_error_handler(on_error)
    register_jobs(app)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            prune_processed_updates, interval=6 * 3600, first=60, name="prune-updates"
        )
    # /cancel is answered everywhere: by every flow and by the catch-all group.
    app.services.commands = frozenset(_command_names(handlers) | {"cancel"})
    return app


def _persistence(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> SqlPersistence:
    """Shared mode whenever the database is PostgreSQL: then any number of workers may run on
    it, with nothing to configure per worker (see :mod:`bot.persistence`)."""
    if not is_multi_process(settings.database_url):
        return SqlPersistence(session_factory)
    # Each update's turn holds one connection while its handlers take others for their own
    # work: at most half the pool goes to turns, so handlers always find one.
    turns = min(settings.max_concurrent_updates, (POOL_SIZE + POOL_OVERFLOW) // 2)
    return SqlPersistence(session_factory, shared=True, max_turns=turns)


def _file_url(base: str) -> str:
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file"


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert isinstance(app, SpotterApplication)
    exercises = await sync_builtin_exercises(app.services.ctx)
    await set_default_menu(app.bot, app.services.commands)
    if app.services.extras.get("tune_runtime"):
        # What start-up built (modules, the catalogue, PTB's handlers) lives as long as the
        # process: moving it out of the collector's reach keeps each later full collection
        # short, so none holds the event loop for long while other people wait.
        gc.collect()
        gc.freeze()
        # Heavy work runs in threads (database threads, imports, exports). Each time the event
        # loop needs the GIL back from one of them it may wait a whole switch interval; 1 ms
        # instead of Python's 5 ms keeps a reply's several hand-offs from adding up (during an
        # import, set-logging p99 fell from 146 to 84 ms in bench.mixed). Tests build many
        # applications in one process and leave both off.
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        # The worker processes (files, charts) start now, not under the first person to need
        # one: starting one takes a core for a second or so.
        await warm_pools()
    settings = app.services.settings
    url = make_url(settings.database_url)
    log.info(
        "Spotter started: @%s, worker %s, %s mode, %s database%s, %d commands, "
        "%d built-in exercises",
        app.bot.username,
        worker_name(),
        settings.bot_mode.value,
        url.get_backend_name(),
        f" ({url.database})" if url.get_backend_name() == "sqlite" else f" ({url.host})",
        len(app.services.commands),
        exercises,
    )
    app.services.extras["started"] = True


async def _post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert isinstance(app, SpotterApplication)
    await close_pools()
    if app.services.extras.get("started"):
        await leave(app)
    engine = app.services.extras.get("engine")
    if isinstance(engine, AsyncEngine):
        await engine.dispose()
    # A start-up that failed (Telegram unreachable, token refused) never logged "started".
    if app.services.extras.get("started"):
        log.info("Spotter stopped")


__all__ = ["BaseHandler", "build_application"]
