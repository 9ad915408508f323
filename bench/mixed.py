"""The "nobody waits" benchmark: trainers logging sets while heavy work runs beside them.

``python -m bench.mixed`` starts the real Application (``bot.app.build_application``, with the
production ``AIORateLimiter``) with ``initialize()`` and ``start()``, no Updater, against the
in-process fake Bot API. Every Telegram update goes through ``application.update_queue``, so
PTB's own update fetcher and the update processor the bot is built with handle it, as they do
in production. A set's latency runs from the put on the queue to the moment the fake Bot API
records the reply to that set (the live card edited with "✅ Logged: …").

Twenty trainers (``--trainers``), each with a client and a planned session, log sets
concurrently at about 13 a second in total (``--rate``). Each trainer sends a set, waits for
the bot's answer, then sends the next one at its own pace (or at once if the answer came
late), moving to the next exercise and starting the next session as a trainer would (those
steps are not timed). Meanwhile the windows run in turn:

* idle: nothing else;
* a 20,000-set import: a client sends ``/import`` and a generated Strong CSV, answers the
  matching questions and taps Import (``conversations/importer.py``);
* a long-history ``/mydata`` export, by the client who imported those 20,000 sets;
* 20 progress charts: twenty clients ask ``/progress`` and tap "📊 Weekly volume";
* the hourly alert scan on a database that never had one (its first-run backlog), then the
  urgent notices it queued, sent by the ``alert_notify`` job until no more come: both jobs
  are run as the JobQueue runs them (``Job.run``);
* the daily digest for 200 trainers (the ``daily_digest`` job);
* a 200-client ``/dashboard``, asked ``--dashboards`` times in a row;
* all of them together (alerts and digests made due again, a fresh importer).

A window lasts ``--window`` seconds or until its job is done, whichever is later; then the
trainers finish the set in flight and the sets are counted in the database: every set
acknowledged must be stored exactly once. A heartbeat task sleeping 1 ms records the event
loop's longest stall in each window. The repeating jobs that the windows run (and the other
periodic scans) are paused so that they run only when a window runs them; any other job the
bot schedules runs as usual.

Targets (DESIGN.md, "Nobody waits"), as ratios in the same run: p99 in every window at most
2.5× the idle p99, and the idle p99 at most 50 ms; throughput at least 0.9× idle; the
longest stall at most 50 ms; no set lost or doubled. The one-set cost against
``bench.run``'s three floors is measured after the windows (``--floor-updates``, on SQLite).
``--database postgresql+asyncpg://…`` runs the windows on PostgreSQL (``bench.pgload``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import gc
import io
import logging
import multiprocessing
import os
import random
import shutil
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import Job

from bench.dashboard import DASHBOARD_TRAINER_TELEGRAM_ID, MERGED_TRAINERS
from bench.driver import (
    BENCH_TOKEN,
    FIRST_SETS,
    LATER_SETS,
    SETS_PER_EXERCISE,
    SETS_PER_SESSION,
    BenchError,
    BenchPeople,
    Samples,
    add_bench_people,
)
from bench.generate import (
    CLIENT_TELEGRAM_BASE,
    DEFAULT_SEED,
    OUT_DIR,
    ensure_database,
    parse_size,
)
from bench.run import (
    HANDLER_FLOOR,
    MAX_COST_VS_RAW_FLOOR,
    MAX_COST_VS_STACK_FLOOR,
    RAW_FLOOR,
    RESULTS,
    SPOTTER_EMPTY,
    STACK_FLOOR,
    load_average,
    machine,
)
from bench.run import run as bench_run
from bot.app import build_application
from bot.application import SpotterApplication
from bot.config import Settings
from storage.db import create_engine, create_session_factory
from storage.models import ClientAlert, JobLease, SetRecord, TrainerProfile, User
from tests.fakes.botapi import Call, FakeBotAPI, FakeRequest
from tests.fakes.updates import (
    FakeUser,
    callback_update,
    document_message_update,
    message_update,
)

MAX_P99_RATIO = 2.5
MAX_IDLE_P99_MS = 50.0
MIN_THROUGHPUT_RATIO = 0.9
MAX_STALL_MS = 50.0

LOGGER_TELEGRAM_BASE = 990_200_000
"""Trainer ``i`` logging sets is ``BASE + 2i``, their client ``BASE + 2i + 1``."""

PAUSED_JOBS = frozenset(
    {
        "alert_scan",
        "alert_notify",
        "daily_digest",
        "relationship_expiry",
        "abandon_live_sessions",
        "prune-updates",
    }
)
"""Periodic jobs paused for the run: the windows run the first three themselves; the other
scans would land in a random window. Every other job (reminders, rest timers, any sender)
runs as it does in production."""

IMPORT_EXERCISES = (
    "Squat (Barbell)",
    "Bench Press (Barbell)",
    "Deadlift (Barbell)",
    "Overhead Press (Barbell)",
)
IMPORT_SETS_PER_EXERCISE = 5

REPLY_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "sendPhoto",
        "sendDocument",
        "editMessageCaption",
        "editMessageMedia",
    }
)

Predicate = Callable[[Call], bool]


# ------------------------------------------------------------------------------------------
# The fake Bot API, telling who waits when their answer arrives
# ------------------------------------------------------------------------------------------


@dataclass
class _Watch:
    predicate: Predicate
    future: asyncio.Future[tuple[int, Call]]


MAX_PLANNED_SESSIONS = 60
"""Sessions planned per logger: /log lists a day's planned sessions in one message."""

KEEP_CALLS = 200
"""Calls the recording fake keeps (the newest); see :meth:`RecordingBotAPI._record`."""

KEEP_MESSAGES = 12
"""Messages the recording fake keeps per chat the harness writes in (the newest, up to twice as
many between trims); see :meth:`RecordingBotAPI._event`. A trainer's live card is always among
them (it is re-sent below every set), and so is every message of a flow the harness is in (an
import's steps, a chart's menu)."""

KEEP_UNDRIVEN = 1
"""Messages kept in a chat the harness never writes in (a trainer who only gets notices and
digests): nobody reads them again. Such a chat never holds more: at the large size about 850
trainers get notices, and with up to four messages each, every one a tree of dicts and lists,
the alert scan's window left about 1,800 of them for every later full collection to walk."""


class RecordingBotAPI(FakeBotAPI):
    """The fake Bot API, resolving a waiter when a call it waits for is recorded.

    ``expect(chat, predicate)`` returns a future that gets ``(perf_counter_ns, call)`` for the
    first successful call to that chat matching the predicate (one call answers one waiter).
    """

    def __init__(self) -> None:
        super().__init__()
        self._watches: dict[int, list[_Watch]] = {}
        self.notices = 0
        """Notices (urgent alerts, rest timers) delivered."""
        self.messages: Counter[int] = Counter()
        """Other messages delivered (``sendMessage``), per chat."""
        self.documents: dict[int, list[int]] = {}
        """The size of each document sent, per chat."""
        self.driven: set[int] = set()
        """Chats the harness writes in (registered by a :class:`Person` or a logger)."""

    def register_chat(self, chat: Mapping[str, Any]) -> None:
        super().register_chat(chat)
        self.driven.add(int(chat["id"]))

    def expect(self, chat_id: int, predicate: Predicate) -> asyncio.Future[tuple[int, Call]]:
        future: asyncio.Future[tuple[int, Call]] = asyncio.get_running_loop().create_future()
        self._watches.setdefault(chat_id, []).append(_Watch(predicate, future))
        return future

    def forget(self, chat_id: int, future: asyncio.Future[tuple[int, Call]]) -> None:
        watches = self._watches.get(chat_id, [])
        self._watches[chat_id] = [w for w in watches if w.future is not future]

    def _event(
        self, chat_id: int, message_id: int, kind: Literal["sent", "edited", "deleted"]
    ) -> None:
        """The benchmark reads no message events, and a deleted message answers an edit or a
        delete exactly as one never sent does: neither is kept, nor more than the newest
        :data:`KEEP_MESSAGES` of a chat (:data:`KEEP_UNDRIVEN` of a chat the harness never
        writes in). Kept, one event per message and every message of a long run grew the
        process's heap with objects no bot has (over 40 % of the objects the collector tracked
        by the last window; at the large size, the 1,800 urgent notices and 200 digests sent to
        trainers nobody plays), and every full garbage collection walked them."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return
        driven = chat_id in self.driven
        keep = KEEP_MESSAGES if driven else KEEP_UNDRIVEN
        if kind == "deleted":
            chat.messages.pop(message_id, None)
        elif kind == "sent" and len(chat.messages) > (2 * keep if driven else keep):
            # The urgent notices and digests of a long run are never touched again.
            for old in list(chat.messages)[:-keep]:
                del chat.messages[old]

    def _record(self, call: Call) -> None:
        received = time.perf_counter_ns()
        super()._record(call)
        if len(self.calls) > 2 * KEEP_CALLS:
            # The harness reads only recent calls. Keeping every call of a long run would grow
            # the process's heap with objects no bot has, and every full garbage collection
            # (a stall the benchmark measures) would walk them.
            del self.calls[:-KEEP_CALLS]
        chat_id = call.chat_id
        if call.error is not None or not isinstance(chat_id, int):
            return
        data = getattr(call.params.get("document"), "data", None)
        if call.method == "sendDocument" and data is not None:
            self.documents.setdefault(chat_id, []).append(len(data))
        if call.method == "sendMessage":
            if is_notice(call):
                self.notices += 1
            else:
                self.messages[chat_id] += 1
        watches = self._watches.get(chat_id)
        if not watches:
            return
        for watch in watches:
            if not watch.future.done() and watch.predicate(call):
                watch.future.set_result((received, call))
                watches.remove(watch)
                return


def _text(call: Call) -> str:
    return str(call.params.get("text") or call.params.get("caption") or "")


def _buttons(call: Call) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup")
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    return [
        (str(b.get("text", "")), str(b.get("callback_data", "")))
        for row in rows or []
        for b in row
        if isinstance(b, dict)
    ]


NOTICE_BUTTONS = ("al:o:", "al:c:")
"""An urgent notice opens its one alert (``al:o:``) or the client's new alerts (``al:c:``)."""


def is_notice(call: Call) -> bool:
    """A message nobody asked for just now: an urgent alert, a rest timer."""
    if _text(call).startswith("⏱"):
        return True
    return any(d.startswith(NOTICE_BUTTONS) for _, d in _buttons(call))


def interactive(call: Call) -> bool:
    """Any answer a person sees, other than a notice."""
    return call.method in REPLY_METHODS and not is_notice(call)


def text_starts(*prefixes: str) -> Predicate:
    return lambda call: call.method in REPLY_METHODS and _text(call).startswith(prefixes)


def has_button(label: str) -> Predicate:
    return lambda call: interactive(call) and any(label in t for t, _ in _buttons(call))


def method_is(method: str) -> Predicate:
    return lambda call: call.method == method


SET_REPLY = text_starts("✅ Logged", "✅ Already logged", "⚠️")


# ------------------------------------------------------------------------------------------
# The bot under test and the people talking to it
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    latency_ns: int
    call: Call

    @property
    def text(self) -> str:
        return _text(self.call)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        return _buttons(self.call)


class MixedBot:
    """The real Application, started, fed through its update queue."""

    def __init__(self, url: str, engine: AsyncEngine, timeout: float) -> None:
        self.api = RecordingBotAPI()
        self.engine = engine
        self.session_factory = create_session_factory(engine)
        self.timeout = timeout
        self._switch_interval = sys.getswitchinterval()
        settings = Settings(bot_token=BENCH_TOKEN, database_url=url, _env_file=None)
        self.app: SpotterApplication = build_application(
            settings,
            request=FakeRequest(self.api),
            get_updates_request=FakeRequest(self.api),
            engine=engine,
            tune_runtime=True,  # as the production entry point does after start-up
        )

    async def start(self) -> None:
        app = self.app
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        if app.job_queue is not None:
            for job in app.job_queue.jobs():
                if job.name in PAUSED_JOBS:
                    job.enabled = False

    async def stop(self) -> None:
        app = self.app
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        # Undo the production runtime tuning, which is process-wide (the smoke test runs the
        # benchmark inside the test session).
        gc.unfreeze()
        sys.setswitchinterval(self._switch_interval)

    def job(self, name: str) -> Job[Any]:
        queue = self.app.job_queue
        found = [j for j in queue.jobs() if j.name == name] if queue is not None else []
        if not found:
            raise BenchError(f"the bot has no repeating job named {name!r} (bot/jobs.py)")
        return found[0]

    async def run_job(self, name: str) -> None:
        """Run a repeating job's callback the way the JobQueue does, as in a period of its
        own: a periodic job runs once per period (``bot.jobs.leased``), and a window runs it
        again sooner than its period (``alert_notify`` until its backlog is sent, the scan and
        the digest again in "all together"), so the lease of the last run is let go first."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(JobLease).where(JobLease.name == name))
        await self.job(name).run(self.app)

    async def request(
        self, chat_id: int, update: dict[str, Any], predicate: Predicate
    ) -> Reply | None:
        """Put ``update`` on the update queue; the reply matching ``predicate`` (None: none
        within the run's time-out)."""
        future = self.api.expect(chat_id, predicate)
        self.api.observe_update(update)
        parsed = Update.de_json(copy.deepcopy(update), self.app.bot)
        put = time.perf_counter_ns()
        await self.app.update_queue.put(parsed)
        try:
            received, call = await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            self.api.forget(chat_id, future)
            return None
        return Reply(received - put, call)


class Person:
    """Someone in a private chat with the bot."""

    def __init__(self, bot: MixedBot, user: FakeUser) -> None:
        self.bot = bot
        self.user = user
        self.last: Reply | None = None
        bot.api.register_chat(user.private_chat())

    async def _request(self, update: dict[str, Any], predicate: Predicate, what: str) -> Reply:
        reply = await self.bot.request(self.user.id, update, predicate)
        if reply is None:
            raise BenchError(f"{self.user.first_name} ({self.user.id}): no answer to {what}")
        if reply.buttons:
            self.last = reply
        return reply

    def _message(self, text: str) -> dict[str, Any]:
        api = self.bot.api
        return message_update(
            api.next_update_id(),
            self.user,
            text,
            message_id=api.allocate_message_id(self.user.id),
            date=int(api.now()),
        )

    async def send(self, text: str, predicate: Predicate = interactive) -> Reply:
        return await self._request(self._message(text), predicate, repr(text))

    async def try_send(self, text: str, predicate: Predicate) -> Reply | None:
        """Like :meth:`send`, but ``None`` when no answer came in time."""
        reply = await self.bot.request(self.user.id, self._message(text), predicate)
        if reply is not None and reply.buttons:
            self.last = reply
        return reply

    async def press(self, label: str, predicate: Predicate = interactive) -> Reply:
        """Tap the first button containing ``label`` on the last answer that had buttons."""
        last = self.last
        found = [d for t, d in (last.buttons if last else []) if label in t and d]
        message = last.call.result if last is not None else None
        if not found or not isinstance(message, dict):
            shown = last.text[:200] if last is not None else ""
            raise BenchError(f"{self.user.first_name}: no button {label!r} on {shown!r}")
        api = self.bot.api
        update_id = api.next_update_id()
        update = callback_update(
            update_id, self.user, found[0], message, query_id=f"{self.user.id}-{update_id}"
        )
        return await self._request(update, predicate, f"the {label!r} button")

    async def send_document(
        self, data: bytes, file_name: str, predicate: Predicate = interactive
    ) -> Reply:
        api = self.bot.api
        stored = api.register_file(data=data, file_name=file_name, mime_type="text/csv")
        update = document_message_update(
            api.next_update_id(),
            self.user,
            stored.file_id,
            file_name,
            "text/csv",
            len(data),
            message_id=api.allocate_message_id(self.user.id),
            date=int(api.now()),
        )
        return await self._request(update, predicate, file_name)


# ------------------------------------------------------------------------------------------
# Windows and what is measured in them
# ------------------------------------------------------------------------------------------


@dataclass
class Window:
    """One window of the run: the set-logging latencies and what happened to the sets."""

    name: str
    samples: Samples
    started: float = 0.0
    ended: float = 0.0
    acked: int = 0
    already: int = 0
    refused: int = 0
    unanswered: int = 0
    stall_ns: int = 0
    gc_ns: int = 0
    job_seconds: float | None = None
    job_note: str = ""
    lost: int = 0
    doubled: int = 0
    errors: int = 0
    first_error: str = ""

    @property
    def seconds(self) -> float:
        return max(self.ended - self.started, 1e-9)

    @property
    def throughput(self) -> float:
        return self.acked / self.seconds

    @property
    def stall_ms(self) -> float:
        return self.stall_ns / 1e6

    @property
    def p50_ms(self) -> float:
        return self.samples.p50_ms if self.samples.count else float("nan")

    @property
    def p99_ms(self) -> float:
        return self.samples.p99_ms if self.samples.count else float("nan")

    @property
    def intact(self) -> bool:
        """No set lost, none doubled, every set answered."""
        return (
            self.lost == 0
            and self.doubled == 0
            and self.already == 0
            and self.refused == 0
            and self.unanswered == 0
        )


class ErrorLog(logging.Handler):
    """Counts the errors the bot logs (its error handler's reports, failed jobs)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first = ""

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if not self.first:
            self.first = record.getMessage().splitlines()[0][:160]

    def take(self) -> tuple[int, str]:
        taken = (self.count, self.first)
        self.count, self.first = 0, ""
        return taken


class Heartbeat:
    """A task sleeping 1 ms at a time; how late it wakes is how long the loop was held.

    It also times every garbage collection of the oldest generation (``gc.callbacks``), so a
    window's longest stall can be told apart from its longest full collection.
    """

    def __init__(self) -> None:
        self.worst_ns = 0
        self.worst_gc_ns = 0
        self._gc_started = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._beat())
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._gc_started = time.perf_counter_ns()
        elif self._gc_started:
            self.worst_gc_ns = max(self.worst_gc_ns, time.perf_counter_ns() - self._gc_started)

    def take_gc(self) -> int:
        worst, self.worst_gc_ns = self.worst_gc_ns, 0
        return worst

    async def _beat(self) -> None:
        while True:
            started = time.perf_counter_ns()
            await asyncio.sleep(0.001)
            late = time.perf_counter_ns() - started - 1_000_000
            if late > self.worst_ns:
                self.worst_ns = late

    def take(self) -> int:
        worst, self.worst_ns = self.worst_ns, 0
        return worst

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._on_gc)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class Logger:
    """A trainer mid-session, logging their client's sets at their own pace."""

    def __init__(self, bot: MixedBot, index: int) -> None:
        self.trainer = FakeUser(LOGGER_TELEGRAM_BASE + 2 * index, f"Logger{index + 1:02d}")
        self.client = FakeUser(LOGGER_TELEGRAM_BASE + 2 * index + 1, f"Lifter{index + 1:02d}")
        self.client_name = f"Mixed Client {index + 1:02d}"
        self.person = Person(bot, self.trainer)
        bot.api.register_chat(self.client.private_chat())
        self.people: BenchPeople | None = None
        self.in_session = 0
        self.session_open = False
        self.number = 0
        self.acked = 0
        self.next_at = 0.0

    @property
    def profile_id(self) -> int:
        if self.people is None:
            raise BenchError(f"{self.client_name} is not in the database")
        return self.people.coaching.profile.id

    def set_message(self) -> str:
        position = self.number % SETS_PER_EXERCISE
        if position == 0:
            return FIRST_SETS[(self.number // SETS_PER_EXERCISE) % len(FIRST_SETS)]
        return LATER_SETS[position - 1]

    async def _before_set(self) -> None:
        """Untimed: start a session, move to the next exercise, finish a session."""
        if self.in_session == SETS_PER_SESSION:
            await self.person.press("🏁 Finish", has_button("🏁 Yes, finish"))
            await self.person.press("🏁 Yes, finish")
            self.in_session = 0
            self.session_open = False
        if not self.session_open:
            await self._begin()
        elif self.in_session > 0 and self.in_session % SETS_PER_EXERCISE == 0:
            await self.person.press("Next ›")
        self.in_session += 1

    async def prepare_session(self, offset: int) -> None:
        """Untimed: open the first session and log ``offset`` sets in it, so that the
        trainers are spread over their sessions rather than all starting one at once."""
        if not self.session_open:
            await self._begin()
        for _ in range(offset):
            await self._before_set()
            text = self.set_message()
            self.number += 1
            reply = await self.person.send(text, SET_REPLY)
            if not reply.text.startswith("✅ Logged"):
                raise BenchError(f"{self.trainer.first_name}: {text!r} got {reply.text[:200]!r}")
            self.acked += 1

    async def _begin(self) -> None:
        await self.person.send("/log", has_button(self.client_name))
        # Only the answer to the press: a digest or a notice may reach the trainer meanwhile.
        reply = await self.person.press(self.client_name, _started_or_planned)
        if not _started(reply):
            reply = await self.person.press("🗓", _started_call)
        if not _started(reply):
            raise BenchError(f"{self.trainer.first_name}: /log did not start: {reply.text[:200]!r}")
        self.session_open = True

    async def run(
        self, windows: Callable[[], Window], stop: asyncio.Event, interval: float
    ) -> None:
        """Log sets until ``stop``; each in the window current when it is sent."""
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            wait = self.next_at - loop.time()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)
                if stop.is_set():
                    return
            await self._before_set()
            window = windows()
            sent = loop.time()
            text = self.set_message()
            self.number += 1
            reply = await self.person.try_send(text, SET_REPLY)
            self.next_at = max(sent + interval, loop.time())
            if reply is None:
                window.unanswered += 1
                continue
            window.samples.latencies_ns.append(reply.latency_ns)
            if reply.text.startswith("✅ Logged"):
                window.acked += 1
                self.acked += 1
            elif reply.text.startswith("✅ Already"):
                window.already += 1
            else:
                window.refused += 1
                window.job_note += f" refused {text!r}: {reply.text[:80]!r};"


def _says_started(text: str) -> bool:
    return "Started" in text or "Resuming" in text


def _started(reply: Reply) -> bool:
    return _says_started(reply.text)


def _started_call(call: Call) -> bool:
    return interactive(call) and _says_started(_text(call))


def _started_or_planned(call: Call) -> bool:
    """A session started, or today's planned sessions offered to choose from."""
    return _started_call(call) or has_button("🗓")(call)


# ------------------------------------------------------------------------------------------
# The heavy jobs
# ------------------------------------------------------------------------------------------


def strong_csv(sets: int, first_day: date, title: str) -> bytes:
    """A Strong export of ``sets`` sets: one workout a day, going back from ``first_day``."""
    lines = [
        "Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;RPE;Distance;"
        "Distance Unit;Seconds;Notes;Workout Notes"
    ]
    rng = random.Random(sets)
    per_workout = len(IMPORT_EXERCISES) * IMPORT_SETS_PER_EXERCISE
    workouts = -(-sets // per_workout)
    written = 0
    for number in range(workouts):
        day = first_day - timedelta(days=number)
        for name in IMPORT_EXERCISES:
            weight = 40 + rng.randrange(0, 120) * 0.5
            for order in range(1, IMPORT_SETS_PER_EXERCISE + 1):
                if written == sets:
                    break
                lines.append(
                    f"{day.isoformat()} 18:00:00;{title} {number + 1};{name};{order};"
                    f"{weight:g};kg;5;8;;;;;"
                )
                written += 1
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Cast:
    """Who does the heavy work, chosen from the generated people."""

    importers: list[FakeUser]
    exporter: FakeUser
    chart_clients: list[FakeUser]
    digest_trainers: list[int]
    desk: FakeUser


class HeavyWork:
    """Each window's job, done through the bot as a person or as the JobQueue would."""

    def __init__(
        self, bot: MixedBot, cast: Cast, *, import_sets: int, dashboards: int, settle: float
    ) -> None:
        self.bot = bot
        self.settle = settle
        self.cast = cast
        self.import_sets = import_sets
        self.dashboards = dashboards
        self.imports = 0
        # Each import's file is made now: made inside its window, the harness itself held the
        # event loop for 20 ms, a stall the window then counted against the bot.
        start = datetime.now(UTC).date() - timedelta(days=800)
        self.files = [
            strong_csv(import_sets, start, f"Mixed import {n + 1}")
            for n in range(len(cast.importers))
        ]

    async def import_history(self) -> str:
        if self.imports >= len(self.cast.importers):
            raise BenchError("no importer left")
        person = Person(self.bot, self.cast.importers[self.imports])
        data = self.files[self.imports]
        self.imports += 1
        await person.send("/import")
        reply = await person.send_document(data, "strong.csv")
        for _ in range(len(IMPORT_EXERCISES) + 2):
            if "Ready to import" in reply.text:
                done = await person.press("✅ Import", text_starts("✅ <b>Imported", "❌"))
                if not done.text.startswith("✅"):
                    raise BenchError(f"the import failed: {done.text[:200]!r}")
                return f"{len(data) / 1e6:.1f} MB Strong CSV; " + _plain(done.text.split("\n")[0])
            if any("Create the rest as my own" in t for t, _ in reply.buttons):
                reply = await person.press("Create the rest as my own")
                continue
            break
        raise BenchError(f"the import did not reach its summary: {reply.text[:200]!r}")

    async def export(self) -> str:
        person = Person(self.bot, self.cast.exporter)
        future = self.bot.api.expect(
            person.user.id, lambda c: c.method == "sendDocument" and "Hevy" in _text(c)
        )
        intro = await person.send("/mydata")
        try:
            await asyncio.wait_for(future, self.bot.timeout)
        except TimeoutError as error:
            raise BenchError("the /mydata export sent no Hevy file") from error
        sizes = self.bot.api.documents.get(person.user.id, [])
        head = _plain(intro.text).split("(", 1)[-1].split(")", 1)[0]
        return f"{head}; files {sum(sizes[-3:]) / 1e6:.1f} MB"

    async def charts(self) -> str:
        async def one(user: FakeUser) -> None:
            person = Person(self.bot, user)
            shown = await person.send("/progress")
            label = "📊 Weekly volume"
            if not any(label in t for t, _ in shown.buttons):
                label = "🗓 Adherence calendar"
            await person.press(label, method_is("sendPhoto"))

        await asyncio.gather(*(one(user) for user in self.cast.chart_clients))
        return f"{len(self.cast.chart_clients)} charts sent"

    def _notices(self) -> int:
        return self.bot.api.notices

    async def alert_scan(self) -> str:
        before = self._notices()
        started = time.perf_counter()
        await self.bot.run_job("alert_scan")
        scanned = time.perf_counter() - started
        after_scan = self._notices()
        runs = 0
        while runs < 200:
            count = self._notices()
            await self.bot.run_job("alert_notify")
            runs += 1
            await asyncio.sleep(self.settle)
            if self._notices() == count:
                break
        return (
            f"scan {scanned:.1f} s, {after_scan - before} notices with it; "
            f"{self._notices() - after_scan} more in {runs} alert_notify runs"
        )

    async def digest(self) -> str:
        api = self.bot.api
        chats = self.cast.digest_trainers

        def sent() -> int:
            return sum(api.messages[chat] for chat in chats)

        before = sent()
        await self.bot.run_job("daily_digest")
        # Sent inside the job today; a background sender may send them after it returns.
        with contextlib.suppress(AssertionError):
            await api.wait_until_async(lambda: sent() - before >= len(chats), self.bot.timeout)
        return f"{sent() - before} of {len(chats)} digests sent"

    async def dashboard(self) -> str:
        person = Person(self.bot, self.cast.desk)
        for _ in range(self.dashboards):
            await person.send("/dashboard")
        return f"/dashboard {self.dashboards}× in a row"


def _plain(html_text: str) -> str:
    for tag in ("<b>", "</b>", "<i>", "</i>"):
        html_text = html_text.replace(tag, "")
    return html_text


# ------------------------------------------------------------------------------------------
# Preparing the database
# ------------------------------------------------------------------------------------------


async def prepare(
    bot: MixedBot, loggers: Sequence[Logger], sessions: int, *, charts: int, digests: int
) -> Cast:
    """Loggers written in; the 200-client trainer, digest trainers and cast chosen."""
    today = datetime.now(UTC).date()
    for logger in loggers:
        logger.people = await add_bench_people(
            bot.session_factory,
            today,
            sessions,
            trainer_user=logger.trainer,
            client_user=logger.client,
            client_name=logger.client_name,
        )
    async with bot.engine.begin() as conn:
        trainers = [
            int(row[0])
            for row in await conn.execute(
                text(
                    "SELECT t.user_id FROM trainer_profiles t JOIN users u ON u.id = t.user_id "
                    "WHERE u.telegram_id < :base ORDER BY t.user_id"
                ),
                {"base": LOGGER_TELEGRAM_BASE},
            )
        ]
        if len(trainers) < MERGED_TRAINERS + 1:
            raise BenchError("the generated database needs at least five trainers")
        keep, others = trainers[0], trainers[1:MERGED_TRAINERS]
        for table in ("relationships", "client_profiles", "session_records"):
            await conn.execute(
                text(
                    f"UPDATE {table} SET trainer_user_id = :keep "
                    f"WHERE trainer_user_id IN ({','.join(str(o) for o in others)})"
                ),
                {"keep": keep},
            )
        await conn.execute(
            update(User)
            .where(User.id == keep)
            .values(telegram_id=DASHBOARD_TRAINER_TELEGRAM_ID, timezone="UTC", reachable=True)
        )
        await conn.execute(update(TrainerProfile).values(digest_time=None))
        digest_ids = trainers[MERGED_TRAINERS : MERGED_TRAINERS + digests]
        await conn.execute(
            update(TrainerProfile)
            .where(TrainerProfile.user_id.in_(digest_ids))
            .values(digest_time=dtime(0, 0), digest_when_empty=True, digest_last_sent=None)
        )
        await conn.execute(
            update(User).where(User.id.in_(digest_ids)).values(timezone="UTC", reachable=True)
        )
        digest_chats = [
            int(row[0])
            for row in await conn.execute(select(User.telegram_id).where(User.id.in_(digest_ids)))
        ]
        client_numbers = [
            int(row[0]) - CLIENT_TELEGRAM_BASE
            for row in await conn.execute(
                select(User.telegram_id)
                .where(
                    User.telegram_id >= CLIENT_TELEGRAM_BASE,
                    User.telegram_id < LOGGER_TELEGRAM_BASE,
                )
                .order_by(User.telegram_id)
                .limit(charts + 2)
            )
        ]
    if len(client_numbers) < charts + 2:
        raise BenchError(f"the generated database needs at least {charts + 2} clients")

    def client(number: int, name: str) -> FakeUser:
        return FakeUser(CLIENT_TELEGRAM_BASE + number, name)

    return Cast(
        importers=[client(client_numbers[0], "Importer"), client(client_numbers[1], "Importer")],
        exporter=client(client_numbers[0], "Importer"),
        chart_clients=[client(n, "Charter") for n in client_numbers[2:]],
        digest_trainers=digest_chats,
        desk=FakeUser(DASHBOARD_TRAINER_TELEGRAM_ID, "Desk", "Trainer"),
    )


async def make_due_again(bot: MixedBot, cast: Cast) -> None:
    """Before "all together": the alert scan finds its first-run backlog again, and the
    digests are due again."""
    async with bot.engine.begin() as conn:
        await conn.execute(delete(ClientAlert))
        digest_users = select(User.id).where(User.telegram_id.in_(cast.digest_trainers))
        await conn.execute(
            update(TrainerProfile)
            .where(TrainerProfile.user_id.in_(digest_users))
            .values(digest_last_sent=None)
        )


async def stored_sets(bot: MixedBot, loggers: Sequence[Logger]) -> dict[int, int]:
    """Set rows per logger's client profile."""
    ids = [logger.profile_id for logger in loggers]
    async with bot.session_factory() as session:
        rows = await session.execute(
            select(SetRecord.client_profile_id, func.count(SetRecord.id))
            .where(SetRecord.client_profile_id.in_(ids))
            .group_by(SetRecord.client_profile_id)
        )
        counted = {int(profile): int(count) for profile, count in rows}
    return {profile: counted.get(profile, 0) for profile in ids}


# ------------------------------------------------------------------------------------------
# The report
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FloorCost:
    spotter_ms: float
    handler_floor_ms: float
    storage_floor_ms: float
    stack_floor_ms: float
    updates: int

    @property
    def vs_storage(self) -> float:
        return self.spotter_ms / self.storage_floor_ms

    @property
    def vs_handler(self) -> float:
        return self.spotter_ms / self.handler_floor_ms

    @property
    def vs_stack(self) -> float:
        return self.spotter_ms / self.stack_floor_ms


@dataclass
class MixedReport:
    started: datetime
    machine: str
    cores: int
    load: tuple[str, str]
    database: str
    data: str
    trainers: int
    rate: float
    windows: list[Window]
    floors: FloorCost | None = None
    seconds: float = 0.0

    @property
    def idle(self) -> Window:
        return self.windows[0]

    @property
    def noisy(self) -> bool:
        try:
            return float(self.load[0]) > self.cores or float(self.load[1]) > self.cores
        except ValueError:
            return False

    def window_failures(self, window: Window) -> list[str]:
        idle = self.idle
        failures = []
        if window is idle:
            if not window.p99_ms <= MAX_IDLE_P99_MS:
                failures.append(f"idle p99 > {MAX_IDLE_P99_MS:g} ms")
        else:
            if not window.p99_ms <= MAX_P99_RATIO * idle.p99_ms:
                failures.append(f"p99 > {MAX_P99_RATIO:g}× idle")
            if not window.throughput >= MIN_THROUGHPUT_RATIO * idle.throughput:
                failures.append(f"throughput < {MIN_THROUGHPUT_RATIO:g}× idle")
        if window.stall_ms > MAX_STALL_MS:
            failures.append(f"stall > {MAX_STALL_MS:g} ms")
        if not window.intact:
            failures.append("sets lost, doubled or unanswered")
        return failures

    @property
    def windows_met(self) -> bool:
        return not any(self.window_failures(w) for w in self.windows)

    @property
    def met(self) -> bool:
        """Every window's targets, and one set within the proposed storage-stack target."""
        floors_ok = self.floors is None or self.floors.vs_stack <= MAX_COST_VS_STACK_FLOOR
        return floors_ok and self.windows_met

    def table(self) -> str:
        idle = self.idle
        lines = [
            "| window | s | sets | p50 ms | p99 ms | p99 / idle | sets/s | vs idle "
            "| longest stall ms | longest full GC ms | lost | doubled | met | the heavy work |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for w in self.windows:
            failures = self.window_failures(w)
            verdict = "yes" if not failures else "NO: " + ", ".join(failures)
            job = "" if w.job_seconds is None else f"{w.job_seconds:.1f} s: "
            extra = []
            if w.already:
                extra.append(f"{w.already} answered “already logged”")
            if w.refused:
                extra.append(f"{w.refused} refused")
            if w.unanswered:
                extra.append(f"{w.unanswered} unanswered")
            if w.errors:
                errors = f"{w.errors} error" + ("s" if w.errors != 1 else "")
                extra.append(f"{errors} logged, the first: {w.first_error}")
            note = (job + w.job_note.strip() + ("; " + ", ".join(extra) if extra else "")).strip()
            lines.append(
                f"| {w.name} | {w.seconds:.0f} | {w.acked} | {w.p50_ms:.1f} | {w.p99_ms:.1f} "
                f"| {w.p99_ms / idle.p99_ms:.2f}× | {w.throughput:.1f} "
                f"| {w.throughput / idle.throughput:.2f}× | {w.stall_ms:.0f} "
                f"| {w.gc_ns / 1e6:.0f} | {w.lost} "
                f"| {w.doubled} | {verdict} | {note or '–'} |"
            )
        return "\n".join(lines)

    def floor_lines(self) -> str:
        f = self.floors
        if f is None:
            return "- one-set cost against the floors: not measured (--floor-updates 0)"
        raw = "met" if f.vs_storage <= MAX_COST_VS_RAW_FLOOR else "NOT met"
        stack = "met" if f.vs_stack <= MAX_COST_VS_STACK_FLOOR else "NOT met"
        return (
            f"- one set on SQLite, empty database, {f.updates} updates a target by bench.run "
            f"(tiny size, fresh interpreter): {f.spotter_ms:.2f} ms mean; "
            f"{f.vs_stack:.2f}× the storage-stack floor ({f.stack_floor_ms:.2f} ms; "
            f"proposed target ≤ {MAX_COST_VS_STACK_FLOOR:g}×, {stack}), "
            f"{f.vs_storage:.2f}× the raw-storage floor ({f.storage_floor_ms:.2f} ms; "
            f"the issue's target ≤ {MAX_COST_VS_RAW_FLOOR:g}×, {raw}), "
            f"{f.vs_handler:.2f}× the bare-handler floor ({f.handler_floor_ms:.2f} ms)"
        )

    def markdown(self) -> str:
        noisy = (
            f" (noisy: load average {self.load[0]}–{self.load[1]} on {self.cores} cores)"
            if self.noisy
            else ""
        )
        return "\n".join(
            [
                f"## Nobody waits (bench.mixed) {self.started:%Y-%m-%d %H:%M} UTC{noisy}",
                "",
                f"- machine: {self.machine}; {self.cores} cores; load average {self.load[0]} "
                f"at the start, {self.load[1]} at the end",
                f"- database: {self.database}, {self.data}",
                f"- {self.trainers} trainers logging sets concurrently, about {self.rate:g} "
                f"sets/s in total; run took {self.seconds:.0f} s",
                "",
                self.table(),
                "",
                self.floor_lines(),
                f"- targets: p99 ≤ {MAX_P99_RATIO:g}× idle and idle p99 ≤ {MAX_IDLE_P99_MS:g} ms; "
                f"throughput ≥ {MIN_THROUGHPUT_RATIO:g}× idle; longest stall ≤ "
                f"{MAX_STALL_MS:g} ms; no set lost or doubled: "
                + ("all met" if self.windows_met else "NOT all met"),
                "",
            ]
        )


# ------------------------------------------------------------------------------------------
# Running
# ------------------------------------------------------------------------------------------


@dataclass
class Options:
    size: str = "large"
    database: str | None = None
    trainers: int = 20
    rate: float = 13.0
    window: float = 20.0
    import_sets: int = 20_000
    charts: int = 20
    digests: int = 200
    dashboards: int = 10
    floor_updates: int = 200
    warmup: float = 5.0
    settle: float = 1.0
    """Seconds without a new urgent notice after which the backlog counts as sent."""
    timeout: float = 600.0
    seed: int = DEFAULT_SEED
    out_dir: Path = OUT_DIR
    record: Path | None = RESULTS
    only: Sequence[str] = field(default_factory=tuple)


WINDOW_NAMES = (
    "idle",
    "import",
    "export",
    "charts",
    "alert scan",
    "digest",
    "dashboard",
    "all together",
)


async def run(options: Options) -> MixedReport:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    started_at = datetime.now(UTC)
    load_start = load_average()
    clock = time.perf_counter()
    size = parse_size(options.size)
    print(f"Spotter 'nobody waits' benchmark — {machine()}", flush=True)
    generated = await ensure_database(
        size,
        out_dir=options.out_dir,
        seed=options.seed,
        progress=lambda line: print(f"  {line}", flush=True),
    )
    work = options.out_dir / "run"
    work.mkdir(parents=True, exist_ok=True)
    copy_path = work / "mixed.db"
    cleanup: Callable[[], Awaitable[None]] | None = None
    if options.database:
        from bench.pgload import run_database

        url, cleanup = await run_database(
            generated, options.database, progress=lambda line: print(f"  {line}", flush=True)
        )
        backend = f"PostgreSQL ({make_url(url).host})"
    else:
        _remove(copy_path)
        shutil.copyfile(generated.path, copy_path)
        url = f"sqlite+aiosqlite:///{copy_path}"
        backend = "SQLite"
    interval = options.trainers / options.rate
    # Windows last until their job is done: the alert scan's, with its backlog of notices
    # paced behind replies, can take minutes. Plan sessions for well beyond that, but no more
    # than /log lists in one message.
    planned_seconds = len(WINDOW_NAMES) * (options.window + 60) * 2
    sessions = min(int(planned_seconds / interval / SETS_PER_SESSION) + 3, MAX_PLANNED_SESSIONS)
    engine = create_engine(url)
    bot = MixedBot(url, engine, options.timeout)
    loggers = [Logger(bot, i) for i in range(options.trainers)]
    heartbeat = Heartbeat()
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    windows: list[Window] = []
    try:
        print(f"preparing {options.trainers} trainers and the heavy work …", flush=True)
        cast = await prepare(bot, loggers, sessions, charts=options.charts, digests=options.digests)
        heavy = HeavyWork(
            bot,
            cast,
            import_sets=options.import_sets,
            dashboards=options.dashboards,
            settle=options.settle,
        )
        jobs: dict[str, Callable[[], Coroutine[Any, Any, str]]] = {
            "import": heavy.import_history,
            "export": heavy.export,
            "charts": heavy.charts,
            "alert scan": heavy.alert_scan,
            "digest": heavy.digest,
            "dashboard": heavy.dashboard,
        }
        await bot.start()
        baseline = await stored_sets(bot, loggers)
        heartbeat.start()
        loop = asyncio.get_running_loop()
        print(f"warming up for {options.warmup:g} s (untimed) …", flush=True)
        await asyncio.gather(
            *(
                logger.prepare_session(index * SETS_PER_SESSION // len(loggers))
                for index, logger in enumerate(loggers)
            )
        )
        # Spread over one interval once the sessions are prepared: spread before, every phase
        # was already past when logging began, and the trainers sent each set all at once.
        for index, logger in enumerate(loggers):
            logger.next_at = loop.time() + index * interval / len(loggers)
        # The warm-up's sets are counted with the idle window's.
        await run_window("warm-up", bot, loggers, heartbeat, None, options.warmup, interval, [])
        errors.take()
        names = [n for n in WINDOW_NAMES if not options.only or n in options.only or n == "idle"]
        for name in names:
            if name == "all together":
                await make_due_again(bot, cast)

                async def together() -> str:
                    notes = await asyncio.gather(*(job() for job in jobs.values()))
                    return "; ".join(notes)

                job: Callable[[], Coroutine[Any, Any, str]] | None = together
            else:
                job = jobs.get(name)
            window = await run_window(
                name, bot, loggers, heartbeat, job, options.window, interval, windows
            )
            window.errors, window.first_error = errors.take()
            stored = await stored_sets(bot, loggers)
            for logger in loggers:
                delta = stored[logger.profile_id] - baseline[logger.profile_id]
                window.lost += max(0, logger.acked - delta)
                window.doubled += max(0, delta - logger.acked)
                baseline[logger.profile_id] = stored[logger.profile_id]
                logger.acked = 0
            print(
                f"  {name}: {window.acked} sets, p99 {window.p99_ms:.1f} ms, "
                f"stall {window.stall_ms:.0f} ms (full GC {window.gc_ns / 1e6:.0f} ms)  "
                f"{window.job_note}",
                flush=True,
            )
    finally:
        logging.getLogger().removeHandler(errors)
        await heartbeat.stop()
        await bot.stop()
        await engine.dispose()
        _remove(copy_path)
        if cleanup is not None:
            await cleanup()
    floors = (
        await measure_floors_in_fresh_process(work, options.floor_updates)
        if options.floor_updates
        else None
    )
    report = MixedReport(
        started=started_at,
        machine=machine(),
        cores=os.cpu_count() or 0,
        load=(load_start, load_average()),
        database=backend,
        data=f"{size} ({'reused' if generated.reused else 'generated'})",
        trainers=options.trainers,
        rate=options.rate,
        windows=windows,
        floors=floors,
        seconds=time.perf_counter() - clock,
    )
    print()
    print(report.table())
    print()
    print(report.floor_lines())
    if options.record is not None:
        append_results(options.record, report)
        print(f"\nrecorded in {options.record.name}")
    return report


async def run_window(
    name: str,
    bot: MixedBot,
    loggers: Sequence[Logger],
    heartbeat: Heartbeat,
    job: Callable[[], Coroutine[Any, Any, str]] | None,
    minimum: float,
    interval: float,
    windows: list[Window],
) -> Window:
    """One window: loggers log until the job is done and ``minimum`` seconds have passed."""
    window = Window(name, Samples(name))
    windows.append(window)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    heartbeat.take()
    heartbeat.take_gc()
    window.started = loop.time()
    tasks = [
        loop.create_task(logger.run(lambda: window, stop, interval), name=f"logger {i}")
        for i, logger in enumerate(loggers)
    ]
    job_task = loop.create_task(job()) if job is not None else None
    try:
        await asyncio.sleep(minimum)
        if job_task is not None:
            note = await asyncio.wait_for(job_task, bot.timeout)
            window.job_seconds = loop.time() - window.started
            window.job_note = note + window.job_note
        window.ended = loop.time()
        window.stall_ns = heartbeat.take()
        window.gc_ns = heartbeat.take_gc()
        stop.set()
        await asyncio.gather(*tasks)
    finally:
        stop.set()
        for task in [*tasks, *([job_task] if job_task else [])]:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, *([job_task] if job_task else []), return_exceptions=True)
    return window


async def measure_floors_in_fresh_process(work: Path, updates: int) -> FloorCost:
    """One set against the floors, by ``bench.run`` itself (at the tiny size, its own targets
    in its own order), in a fresh interpreter.

    Not in this one: the windows leave a heap that the bot's frozen start-up and their
    leftovers make large, a 1 ms GIL switch interval and the bot's worker processes, and they
    weigh more on the real bot than on the floors. Not with fewer targets either: interleaved
    with the three floors alone, each round is short and every target waits out its pace
    between updates, idle, and the bot, which hands work to its database thread most often,
    pays most for waking from it (the same bot measured 5.96 ms after the echo and 7.61 ms
    after the storage-stack floor in one such run; bench.run's seven targets gave 6.11 ms).
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return await asyncio.get_running_loop().run_in_executor(
            pool, _measure_floors_here, work / "one-set", updates
        )


def _measure_floors_here(work: Path, updates: int) -> FloorCost:
    print(f"measuring one set against the floors (bench.run, {updates} updates each) …")
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            report = asyncio.run(
                bench_run(
                    "tiny",
                    updates,
                    max(5, updates // 10),
                    out_dir=work,
                    record=None,
                    limiter_off_row=False,
                )
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    mean = {samples.name: samples.mean_ms for samples in report.samples}
    return FloorCost(
        spotter_ms=mean[SPOTTER_EMPTY],
        handler_floor_ms=mean[HANDLER_FLOOR],
        storage_floor_ms=mean[RAW_FLOOR],
        stack_floor_ms=mean[STACK_FLOOR],
        updates=updates,
    )


def append_results(path: Path, report: MixedReport) -> None:
    if not path.exists():
        path.write_text("# Benchmark results\n\n")
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n" + report.markdown())


def _remove(path: Path) -> None:
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        file.unlink(missing_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.mixed", description="Spotter's 'nobody waits' benchmark."
    )
    parser.add_argument("--size", default="large", help="tiny, small, large (default) or T,C,S")
    parser.add_argument(
        "--database", help="a postgresql+asyncpg:// URL to run on PostgreSQL (default SQLite)"
    )
    parser.add_argument("--trainers", type=int, default=20, help="trainers logging sets")
    parser.add_argument("--rate", type=float, default=13.0, help="sets a second, in total")
    parser.add_argument("--window", type=float, default=20.0, help="seconds per window, at least")
    parser.add_argument("--import-sets", type=int, default=20_000)
    parser.add_argument("--charts", type=int, default=20)
    parser.add_argument("--digests", type=int, default=200)
    parser.add_argument("--dashboards", type=int, default=10)
    parser.add_argument(
        "--floor-updates", type=int, default=200, help="updates per floor target; 0 skips"
    )
    parser.add_argument("--warmup", type=float, default=5.0, help="untimed seconds first")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--only", action="append", choices=WINDOW_NAMES, help="run only these windows (and idle)"
    )
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args(argv)
    if args.trainers < 1 or args.rate <= 0 or args.window <= 0:
        parser.error("--trainers, --rate and --window must be positive")
    options = Options(
        size=args.size,
        database=args.database,
        trainers=args.trainers,
        rate=args.rate,
        window=args.window,
        import_sets=args.import_sets,
        charts=args.charts,
        digests=args.digests,
        dashboards=args.dashboards,
        floor_updates=args.floor_updates,
        warmup=args.warmup,
        seed=args.seed,
        record=None if args.no_record else RESULTS,
        only=tuple(args.only or ()),
    )
    try:
        report = asyncio.run(run(options))
    except (BenchError, ValueError) as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    return 0 if report.met else 2


if __name__ == "__main__":
    sys.exit(main())
