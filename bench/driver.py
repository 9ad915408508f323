"""The benchmark's driver: set-logging updates through the full Application, timed one by one.

Every update goes the way Telegram's would: a Bot API update dict, ``Update.de_json`` and the
application's update processor around ``application.process_update``, with the bot talking to
the in-process fake Bot API (``tests.fakes.botapi.FakeRequest``). Each target below is one
application under measurement:

* :class:`EchoTarget`, the baseline: a bare PTB Application with one ``MessageHandler`` that
  replies with the text it got;
* :class:`SpotterTarget`, the real bot (``bot.app.build_application``) on a given database, with
  one trainer and their client written straight into it and a live session started through the
  ``/log`` flow. Its measured updates are set messages such as ``100x5`` or ``102.5x5 @8``.

SQL statements are counted per update with a ``before_cursor_execute`` engine event (and the
time until ``after_cursor_execute``, and commits). The applications are initialised but not
started, as in the flow tests, so no repeating job runs in between. With the
production rate limiter (``AIORateLimiter``, 30 requests a second) on, the driver paces the
target so the limiter never has to hold a request back: the limiter's own cost is measured,
not Telegram's flood cap, which a trainer logging a set every minute or two never reaches.
The pause between updates is not timed.
"""

from __future__ import annotations

import asyncio
import copy
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import TextClause, event, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bench.generate import migrated_database
from bot.app import build_application
from bot.application import SpotterApplication
from bot.config import Settings
from coaching.domain.enums import (
    AssignmentStatus,
    RecordStatus,
    SessionStatus,
    SessionType,
    SetType,
    Units,
)
from storage.db import create_engine, create_session_factory
from storage.models import (
    CoachingSession,
    Exercise,
    ExerciseRecord,
    ExerciseTemplate,
    Program,
    ProgramAssignment,
    ProgramSession,
    SessionRecord,
    SetRecord,
)
from tests.factories import Coaching, make_coaching, make_user
from tests.fakes.botapi import FakeBotAPI, FakeRequest
from tests.fakes.updates import FakeUser, callback_update, message_update

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

BENCH_TOKEN = "123456789:" + "B" * 35
TRAINER = FakeUser(990_000_001, "Bench", "Trainer")
CLIENT = FakeUser(990_000_002, "Bench", "Client")
ECHO_USER = FakeUser(990_000_003, "Echo")

RATE_LIMIT_PER_SECOND = 30.0
"""AIORateLimiter's default overall limit (Telegram's flood limit for a bot)."""
PACE_PER_SECOND = 25.0
"""The driver keeps each rate-limited target below this many Bot API requests a second."""

FIRST_SETS: tuple[str, ...] = ("100x5", "100 x 5", "5@100", "100kg 5", "100*5")
"""An exercise's first set, in the notations a trainer types (rotating)."""
LATER_SETS: tuple[str, ...] = ("102.5x5 @8", "same", "+2.5", "100x5 rir2")
"""Its later sets, including the ones relative to the previous set."""

PLAN: tuple[tuple[str, int, int, Decimal | None, Decimal | None], ...] = (
    ("barbell-back-squat", 5, 5, Decimal(100), Decimal(8)),
    ("barbell-bench-press", 5, 5, Decimal(100), Decimal(8)),
    ("barbell-bent-over-row", 5, 5, Decimal(100), None),
    ("barbell-deadlift", 5, 5, Decimal(100), None),
)
"""Today's planned session for the benchmark client: (exercise slug, sets, reps, kg, RPE)."""

SETS_PER_EXERCISE = 5
SETS_PER_SESSION = SETS_PER_EXERCISE * len(PLAN)
HISTORY_SESSIONS = 8


# ------------------------------------------------------------------------------------------
# Measurements
# ------------------------------------------------------------------------------------------


class StatementCounter:
    """Counts the SQL statements an engine sends (``before_cursor_execute``), the time they
    take until ``after_cursor_execute`` (rows fetched, aiosqlite's thread hand-off included)
    and the commits."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.count = 0
        self.commits = 0
        self.sql_ns = 0
        self._started = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(engine.sync_engine, "after_cursor_execute", self._after)
        event.listen(engine.sync_engine, "commit", self._committed)

    def _before(self, conn: Connection, *args: Any) -> None:
        self.count += 1
        self._started = time.perf_counter_ns()

    def _after(self, conn: Connection, *args: Any) -> None:
        self.sql_ns += time.perf_counter_ns() - self._started

    def _committed(self, conn: Connection) -> None:
        self.commits += 1

    def close(self) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._before)
        event.remove(self.engine.sync_engine, "after_cursor_execute", self._after)
        event.remove(self.engine.sync_engine, "commit", self._committed)


@dataclass(frozen=True)
class Delivered:
    """One update: how long it took, and what it sent (``None`` where nothing is counted)."""

    latency_ns: int
    statements: int | None
    commits: int | None
    sql_ns: int | None
    api_calls: int


@dataclass
class Samples:
    """One target's measured updates: latency, SQL statements and Bot API calls, each."""

    name: str
    latencies_ns: list[int] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    commits: list[int] = field(default_factory=list)
    sql_ns: list[int] = field(default_factory=list)
    api_calls: list[int] = field(default_factory=list)

    def add(self, delivered: Delivered) -> None:
        self.latencies_ns.append(delivered.latency_ns)
        if delivered.statements is not None:
            self.statements.append(delivered.statements)
        if delivered.commits is not None:
            self.commits.append(delivered.commits)
        if delivered.sql_ns is not None:
            self.sql_ns.append(delivered.sql_ns)
        self.api_calls.append(delivered.api_calls)

    @property
    def count(self) -> int:
        return len(self.latencies_ns)

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies_ns) / 1e6

    def percentile_ms(self, p: float) -> float:
        ordered = sorted(self.latencies_ns)
        index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
        return ordered[index] / 1e6

    @property
    def p50_ms(self) -> float:
        return self.percentile_ms(50)

    @property
    def p99_ms(self) -> float:
        return self.percentile_ms(99)

    @property
    def statements_range(self) -> tuple[int, int] | None:
        if not self.statements:
            return None
        return min(self.statements), max(self.statements)

    @property
    def sql_mean_ms(self) -> float | None:
        """Mean time per update spent in SQL statements."""
        return statistics.fmean(self.sql_ns) / 1e6 if self.sql_ns else None

    @property
    def commits_mean(self) -> float | None:
        return statistics.fmean(self.commits) if self.commits else None

    @property
    def api_calls_mean(self) -> float:
        return statistics.fmean(self.api_calls) if self.api_calls else 0.0


# ------------------------------------------------------------------------------------------
# Targets
# ------------------------------------------------------------------------------------------


class Target:
    """One application behind its own fake Bot API, driven by one simulated user."""

    name: str
    app: AnyApplication
    api: FakeBotAPI
    user: FakeUser
    counter: StatementCounter | None = None
    paced: bool = False

    def __init__(self, name: str, api: FakeBotAPI, user: FakeUser) -> None:
        self.name = name
        self.api = api
        self.user = user
        self.samples = Samples(name)
        self._ready_at = 0.0
        api.register_chat(user.private_chat())

    async def start(self) -> None:
        """Initialise the application and bring it to the point where sets are logged."""
        await self.app.initialize()

    async def close(self) -> None:
        await self.app.shutdown()
        if self.counter is not None:
            self.counter.close()

    def set_message(self, number: int) -> str:
        """The text of set ``number``: each run of five is one exercise's sets."""
        position = number % SETS_PER_EXERCISE
        if position == 0:
            return FIRST_SETS[(number // SETS_PER_EXERCISE) % len(FIRST_SETS)]
        return LATER_SETS[position - 1]

    async def before_set(self, number: int) -> None:
        """Untimed housekeeping before measured set ``number`` (e.g. start a new session)."""

    async def text(self, text: str) -> Delivered:
        """Send a text message as the target's user; returns what handling it cost."""
        update = message_update(
            self.api.next_update_id(),
            self.user,
            text,
            message_id=self.api.allocate_message_id(self.user.id),
            date=int(self.api.now()),
        )
        return await self.deliver(update)

    async def press(self, data: str, message: dict[str, Any]) -> Delivered:
        """Press an inline button carrying ``data`` on the bot's ``message``."""
        update_id = self.api.next_update_id()
        update = callback_update(
            update_id, self.user, data, message, query_id=f"{self.user.id}-{update_id}"
        )
        return await self.deliver(update)

    async def deliver(self, update: dict[str, Any]) -> Delivered:
        await self._pace()
        self.api.observe_update(update)
        payload = copy.deepcopy(update)
        counter = self.counter
        calls_before = len(self.api.calls)
        statements_before = counter.count if counter else 0
        commits_before = counter.commits if counter else 0
        sql_before = counter.sql_ns if counter else 0
        started = time.perf_counter_ns()
        parsed = Update.de_json(payload, self.app.bot)
        # As PTB's update fetcher does: through the application's update processor.
        await self.app.update_processor.process_update(parsed, self.app.process_update(parsed))
        elapsed = time.perf_counter_ns() - started
        calls = len(self.api.calls) - calls_before
        if self.paced:
            self._ready_at = time.monotonic() + calls / PACE_PER_SECOND
        return Delivered(
            latency_ns=elapsed,
            statements=counter.count - statements_before if counter else None,
            commits=counter.commits - commits_before if counter else None,
            sql_ns=counter.sql_ns - sql_before if counter else None,
            api_calls=calls,
        )

    async def _pace(self) -> None:
        wait = self._ready_at - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    async def measure_set(self, number: int) -> None:
        """Untimed housekeeping, then one timed set-logging update."""
        await self.before_set(number)
        self.samples.add(await self.text(self.set_message(number)))

    async def press_label(self, label: str) -> None:
        """Press the first button containing ``label`` on the newest message having one."""
        for message in reversed(self.api.sent_to(self.user.id)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            for row in rows:
                for button in row:
                    if label in str(button.get("text", "")) and "callback_data" in button:
                        await self.press(str(button["callback_data"]), message)
                        return
        shown = self.last_bot_message().get("text", "") if self.api.sent_to(self.user.id) else ""
        raise BenchError(f"{self.name}: no button {label!r}; the bot last said {shown[:200]!r}")

    def last_bot_message(self) -> dict[str, Any]:
        sent = self.api.sent_to(self.user.id)
        if not sent:
            raise BenchError(f"{self.name}: the bot has not sent anything yet")
        return sent[-1]


class BenchError(RuntimeError):
    """The driver could not do what it expected (the flow changed, a step failed)."""


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


class EchoTarget(Target):
    """The baseline: a bare PTB echo bot behind the same fake Bot API."""

    def __init__(self, name: str = "PTB echo (baseline)") -> None:
        super().__init__(name, FakeBotAPI(), ECHO_USER)
        app = (
            ApplicationBuilder()
            .token(BENCH_TOKEN)
            .request(FakeRequest(self.api))
            .get_updates_request(FakeRequest(self.api))
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
        self.app = app


# ------------------------------------------------------------------------------------------
# The real bot
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchPeople:
    """The trainer and client the driver logs for, in one database."""

    coaching: Coaching
    exercise_ids: tuple[int, ...]


async def add_bench_people(
    session_factory: async_sessionmaker[AsyncSession],
    today: date,
    sessions: int,
    *,
    trainer_user: FakeUser = TRAINER,
    client_user: FakeUser = CLIENT,
    client_name: str = "Bench Client",
) -> BenchPeople:
    """The benchmark trainer and their client, with a short history and ``sessions`` planned
    for today (one per cycle of the driver), written straight to the database.

    The same rows go into every database, so only the rest of the data differs. Other
    benchmarks pass their own pair of users (``bench.mixed`` writes twenty).
    """
    trainer = await make_user(
        session_factory, trainer_user.id, trainer_user.first_name, trainer=True
    )
    client = await make_user(session_factory, client_user.id, client_user.first_name, client=True)
    coaching = await make_coaching(
        session_factory, trainer, client, name=client_name, start=today - timedelta(days=90)
    )
    async with session_factory() as session:
        rows = await session.execute(
            select(Exercise.id, Exercise.slug, Exercise.name).where(
                Exercise.slug.in_([slug for slug, *_ in PLAN])
            )
        )
        by_slug = {str(slug): (int(id_), str(name)) for id_, slug, name in rows}
        missing = [slug for slug, *_ in PLAN if slug not in by_slug]
        if missing:
            raise BenchError(f"built-in exercises missing from the database: {missing}")
        exercise_ids = tuple(by_slug[slug][0] for slug, *_ in PLAN)

        program = Program(
            trainer_user_id=trainer.id, name="Bench block", duration_weeks=4, created_by=trainer.id
        )
        session.add(program)
        await session.flush()
        program_session = ProgramSession(
            program_id=program.id,
            trainer_user_id=trainer.id,
            name="Heavy day",
            week_number=1,
            session_number=1,
            created_by=trainer.id,
        )
        session.add(program_session)
        await session.flush()
        for order, (_slug, sets, reps, kg, rpe) in enumerate(PLAN, start=1):
            session.add(
                ExerciseTemplate(
                    program_session_id=program_session.id,
                    exercise_id=exercise_ids[order - 1],
                    order_index=order,
                    target_sets=sets,
                    reps_min=reps,
                    reps_max=reps,
                    target_weight_kg=kg,
                    target_rpe=rpe,
                    rest_seconds=120,
                )
            )
        assignment = ProgramAssignment(
            relationship_id=coaching.relationship.id,
            program_id=program.id,
            name="Bench block",
            assigned_by=trainer.id,
            start_date=today - timedelta(days=28),
            status=AssignmentStatus.IN_PROGRESS,
            created_by=trainer.id,
        )
        session.add(assignment)
        await session.flush()

        for back in range(HISTORY_SESSIONS, 0, -1):
            day = today - timedelta(days=3 * back)
            start = datetime.combine(day, dtime(7, 0), UTC)
            record = SessionRecord(
                client_profile_id=coaching.profile.id,
                program_session_id=program_session.id,
                trainer_user_id=trainer.id,
                logged_by_user_id=trainer.id,
                title="Heavy day",
                session_date=day,
                start_time=start,
                end_time=start + timedelta(hours=1),
                completed=True,
                is_live=False,
                status=RecordStatus.COMPLETED,
                created_by=trainer.id,
            )
            session.add(record)
            await session.flush()
            at = start
            for order, (slug, sets, reps, kg, _rpe) in enumerate(PLAN, start=1):
                exercise_id, name = by_slug[slug]
                exercise = ExerciseRecord(
                    session_record_id=record.id,
                    exercise_id=exercise_id,
                    exercise_name=name,
                    order_index=order,
                    completed=True,
                )
                session.add(exercise)
                await session.flush()
                for index in range(sets):
                    at += timedelta(minutes=3)
                    session.add(
                        SetRecord(
                            exercise_record_id=exercise.id,
                            client_profile_id=coaching.profile.id,
                            exercise_id=exercise_id,
                            set_index=index + 1,
                            set_type=SetType.NORMAL,
                            weight_kg=(kg or Decimal(20)) - Decimal("2.5") * back,
                            reps=reps,
                            entered_unit=Units.KG,
                            performed_at=at,
                        )
                    )
        day_start = datetime.combine(today, dtime(0, 0), UTC)
        for number in range(sessions):
            session.add(
                CoachingSession(
                    relationship_id=coaching.relationship.id,
                    assignment_id=assignment.id,
                    program_session_id=program_session.id,
                    title="Heavy day",
                    scheduled_at=day_start + timedelta(minutes=10 + number),
                    session_type=SessionType.TRAINING,
                    status=SessionStatus.SCHEDULED,
                    created_by=trainer.id,
                )
            )
        await session.commit()
    return BenchPeople(coaching=coaching, exercise_ids=exercise_ids)


class SpotterTarget(Target):
    """The real bot on one database, logging sets for the benchmark client as its trainer."""

    def __init__(
        self,
        name: str,
        database: Path,
        *,
        rate_limiter: bool = True,
        pace: bool = True,
        sessions: int = 1,
    ) -> None:
        super().__init__(name, FakeBotAPI(), TRAINER)
        self.api.register_chat(CLIENT.private_chat())
        self.database = database
        url = f"sqlite+aiosqlite:///{database}"
        self.engine = create_engine(url)
        self.session_factory = create_session_factory(self.engine)
        settings = Settings(bot_token=BENCH_TOKEN, database_url=url, _env_file=None)
        self.spotter: SpotterApplication = build_application(
            settings,
            request=FakeRequest(self.api),
            get_updates_request=FakeRequest(self.api),
            engine=self.engine,
            rate_limiter=rate_limiter,
        )
        self.app = self.spotter
        self.paced = rate_limiter and pace
        self.sessions = sessions
        self.people: BenchPeople | None = None
        self.sets_in_session = 0
        self.live = LiveScript(self)

    async def start(self) -> None:
        today = datetime.now(UTC).date()
        self.people = await add_bench_people(self.session_factory, today, self.sessions)
        await super().start()
        self.counter = StatementCounter(self.engine)

    async def before_set(self, number: int) -> None:
        await self.live.before_set(number)

    async def set_rows(self) -> int:
        """Set rows the driver logged for the benchmark client (its history left out)."""
        if self.people is None:
            return 0
        async with self.session_factory() as session:
            count = await session.scalar(
                select(func.count(SetRecord.id)).where(
                    SetRecord.client_profile_id == self.people.coaching.profile.id
                )
            )
        return int(count or 0) - HISTORY_SESSIONS * SETS_PER_SESSION

    async def close(self) -> None:
        await super().close()
        await self.engine.dispose()


class LiveScript:
    """How the driver talks to the ``/log`` flow, untimed: start a planned session, move to
    the next exercise when its planned sets are done, finish when the plan is done."""

    def __init__(self, target: SpotterTarget) -> None:
        self.target = target
        self.in_session = 0

    async def before_set(self, number: int) -> None:
        if self.in_session == SETS_PER_SESSION:
            await self.finish()
        if self.in_session == 0:
            await self.begin()
        elif self.in_session % SETS_PER_EXERCISE == 0:
            await self.target.press_label("Next ›")
        self.in_session += 1

    async def begin(self) -> None:
        target = self.target
        people = target.people
        if people is None:
            raise BenchError(f"{target.name}: the benchmark people are not in the database")
        await target.text("/log")
        await target.press_label(people.coaching.profile.name)
        if not self._started():
            await target.press_label("🗓")
        if not self._started():
            text = str(target.last_bot_message().get("text", ""))
            raise BenchError(f"{target.name}: /log did not start the session: {text[:200]!r}")

    def _started(self) -> bool:
        text = str(self.target.last_bot_message().get("text", ""))
        return "Started" in text or "Resuming" in text

    async def finish(self) -> None:
        await self.target.press_label("🏁 Finish")
        await self.target.press_label("🏁 Yes, finish")
        self.in_session = 0


# ------------------------------------------------------------------------------------------
# Floors: what any implementation of the turn must pay, measured beside the real bot
# ------------------------------------------------------------------------------------------

FLOOR_USER = FakeUser(990_000_004, "Floor")

_FLOOR_READ = (
    "SELECT e.id, e.exercise_id, s.set_index, s.weight_kg, s.reps FROM session_records r "
    "JOIN exercise_records e ON e.session_record_id = r.id "
    "LEFT JOIN set_records s ON s.exercise_record_id = e.id "
    "WHERE r.id = ? AND r.is_live ORDER BY e.order_index, s.set_index"
)
_FLOOR_INSERT = (
    "INSERT INTO set_records (exercise_record_id, client_profile_id, exercise_id, set_index, "
    "set_type, weight_kg, bodyweight, reps, entered_unit, performed_at, source_key) "
    "VALUES (?, ?, ?, ?, 'normal', 100, 0, 5, 'kg', ?, ?)"
)
_FLOOR_MARK = "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?)"
_FLOOR_CARD = (
    "UPDATE session_records SET session_metadata = json_set(coalesce(session_metadata, '{}'), "
    "'$.card', ?) WHERE id = ?"
)


class FloorTarget(Target):
    """A lower bound for a set-logging turn, measured in the same run as the real bot.

    A bare PTB application, built as the bot is (HTML by default, ``AIORateLimiter``), whose
    one handler does what every implementation of the turn must do: send the live card below
    the typed set with the text and keyboard the real bot showed for the same set (copied,
    untimed, from ``source``) and delete the card before it (the card stays the last message,
    DESIGN.md). With ``database``, it first does the turn's storage work in raw SQL through
    aiosqlite, the driver the bot uses: read the live session's sets, insert the set and the
    update's handled mark, commit; and after sending, remembers the new card's id (its id is
    known only then) and commits. No ORM, no authorisation, no conversation state, no parsing:
    what is left when all of those cost nothing.
    """

    def __init__(
        self,
        name: str,
        source: SpotterTarget,
        database: Path | None = None,
        *,
        pace: bool = True,
    ) -> None:
        super().__init__(name, FakeBotAPI(), FLOOR_USER)
        self.source = source
        self.database = database
        app = (
            ApplicationBuilder()
            .token(BENCH_TOKEN)
            .request(FakeRequest(self.api))
            .get_updates_request(FakeRequest(self.api))
            .defaults(Defaults(parse_mode=ParseMode.HTML))
            .rate_limiter(AIORateLimiter(max_retries=3))
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self._handle))
        self.app = app
        self.paced = pace
        self._text = ""
        self._markup: InlineKeyboardMarkup | None = None
        self._shown: dict[str, Any] | None = None
        self._message_id = 0
        self._db: aiosqlite.Connection | None = None
        self._row: tuple[int, int, int, int] = (0, 0, 0, 0)
        self._set_index = 0

    async def start(self) -> None:
        await super().start()
        sent = await self.app.bot.send_message(self.user.id, "🏋️ Live session")
        self._message_id = sent.message_id
        if self.database is None:
            return
        await migrated_database(self.database)
        self._row = await _floor_session(self.database)
        await self._open(self.database)

    async def _open(self, database: Path) -> None:
        """Open the connection the turns store through."""
        db = await aiosqlite.connect(database)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
            await db.execute(f"PRAGMA {pragma}")
        self._db = db

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
        await super().close()

    def edits(self) -> int:
        """Live cards the floor showed for sets (sent below each set; the first card excluded)."""
        sent = [c for c in self.api.calls if c.method == "sendMessage" and c.error is None]
        return max(len(sent) - 1, 0)

    async def set_rows(self) -> int | None:
        """Set rows the floor inserted (``None`` without a database)."""
        if self._db is None:
            return None
        rows = await self._db.execute_fetchall(
            "SELECT COUNT(*) FROM set_records WHERE source_key LIKE 'floor:%'"
        )
        return int(next(iter(rows))[0])

    async def before_set(self, number: int) -> None:
        cards = ("editMessageText", "sendMessage")
        edits = [c for c in self.source.api.calls[-8:] if c.method in cards and c.error is None]
        if not edits:
            raise BenchError(f"{self.name}: the real bot has not shown its live card yet")
        params = edits[-1].params
        self._text = str(params["text"])
        shown = params.get("reply_markup")
        if shown != self._shown:
            self._shown = shown
            self._markup = InlineKeyboardMarkup.de_json(shown, self.app.bot) if shown else None

    async def _handle(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if self.database is not None:
            self._set_index += 1
            await self._store_set(update.update_id)
        sent = await context.bot.send_message(self.user.id, self._text, reply_markup=self._markup)
        if self.database is not None:
            await self._store_card(sent.message_id)
        await context.bot.delete_message(self.user.id, self._message_id)
        self._message_id = sent.message_id

    def _set_values(self, update_id: int) -> tuple[Any, ...]:
        """The new set row's values, in :data:`_FLOOR_INSERT`'s order."""
        _record_id, exercise_record_id, profile_id, exercise_id = self._row
        now = datetime.now(UTC).isoformat(sep=" ")
        return (
            exercise_record_id,
            profile_id,
            exercise_id,
            self._set_index,
            now,
            f"floor:{update_id}",
        )

    async def _store_set(self, update_id: int) -> None:
        """Read the live session's sets, insert the set and the update's handled mark, commit."""
        db = self._db
        assert db is not None
        values = self._set_values(update_id)
        await db.execute_fetchall(_FLOOR_READ, (self._row[0],))
        await db.execute(_FLOOR_INSERT, values)
        await db.execute(_FLOOR_MARK, (update_id, values[4]))
        await db.commit()

    async def _store_card(self, message_id: int) -> None:
        """Remember the new card's id, commit."""
        db = self._db
        assert db is not None
        await db.execute(_FLOOR_CARD, (message_id, self._row[0]))
        await db.commit()


def _named(sql: str, names: Sequence[str]) -> TextClause:
    """``sql`` with its ``?`` placeholders named, in order, for SQLAlchemy's ``text()``."""
    for name in names:
        sql = sql.replace("?", f":{name}", 1)
    return text(sql)


_SET_NAMES = ("exercise_record_id", "profile_id", "exercise_id", "set_index", "now", "key")
_SESSION_READ = _named(_FLOOR_READ, ("record_id",))
_SESSION_INSERT = _named(_FLOOR_INSERT, _SET_NAMES)
_SESSION_MARK = _named(_FLOOR_MARK, ("update_id", "now"))
_SESSION_CARD = _named(_FLOOR_CARD, ("message_id", "record_id"))


class SessionFloorTarget(FloorTarget):
    """The raw-storage floor's statements, through the storage stack DESIGN.md names.

    The same turn as :class:`FloorTarget` with a database, but each of its two transactions
    goes through SQLAlchemy's ``AsyncSession`` on the bot's own engine (``storage.db``: the
    same SQLite driver, pool and pragmas), as a unit of work does: a session per transaction,
    the statements, a commit. No ORM objects, no authorisation, no conversation state, no
    parsing: what the real bot pays for its storage stack itself, beside the raw floor.
    """

    def __init__(self, name: str, source: SpotterTarget, database: Path, *, pace: bool = True):
        super().__init__(name, source, database, pace=pace)
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None

    async def _open(self, database: Path) -> None:
        self._engine = create_engine(f"sqlite+aiosqlite:///{database}")
        self._sessions = create_session_factory(self._engine)

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
        await super().close()

    async def set_rows(self) -> int | None:
        assert self._sessions is not None
        async with self._sessions() as session:
            counted = await session.scalar(
                text("SELECT COUNT(*) FROM set_records WHERE source_key LIKE 'floor:%'")
            )
        return int(counted or 0)

    async def _store_set(self, update_id: int) -> None:
        assert self._sessions is not None
        values = self._set_values(update_id)
        async with self._sessions() as session:
            await session.execute(_SESSION_READ, {"record_id": self._row[0]})
            await session.execute(_SESSION_INSERT, dict(zip(_SET_NAMES, values, strict=True)))
            await session.execute(_SESSION_MARK, {"update_id": update_id, "now": values[4]})
            await session.commit()

    async def _store_card(self, message_id: int) -> None:
        assert self._sessions is not None
        async with self._sessions() as session:
            await session.execute(
                _SESSION_CARD, {"message_id": message_id, "record_id": self._row[0]}
            )
            await session.commit()


async def _floor_session(database: Path) -> tuple[int, int, int, int]:
    """A live session with one exercise for the floor's client: (record, exercise record,
    client profile, exercise) ids."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        factory = create_session_factory(engine)
        today = datetime.now(UTC).date()
        people = await add_bench_people(factory, today, 0)
        async with factory() as session:
            record = SessionRecord(
                client_profile_id=people.coaching.profile.id,
                trainer_user_id=people.coaching.trainer.id,
                logged_by_user_id=people.coaching.trainer.id,
                title="Floor",
                session_date=today,
                start_time=datetime.now(UTC),
                is_live=True,
                status=RecordStatus.LIVE,
                created_by=people.coaching.trainer.id,
            )
            session.add(record)
            await session.flush()
            exercise = ExerciseRecord(
                session_record_id=record.id,
                exercise_id=people.exercise_ids[0],
                exercise_name="Barbell Back Squat",
                order_index=1,
            )
            session.add(exercise)
            await session.commit()
            return record.id, exercise.id, people.coaching.profile.id, people.exercise_ids[0]
    finally:
        await engine.dispose()


# ------------------------------------------------------------------------------------------
# Running
# ------------------------------------------------------------------------------------------


async def run_interleaved(targets: Sequence[Target], updates: int, warmup: int) -> None:
    """``warmup`` untimed sets, then ``updates`` timed ones, round-robin over the targets so
    drift on the machine affects every target alike."""
    for number in range(warmup):
        for target in targets:
            await target.before_set(number)
            await target.text(target.set_message(number))
    for target in targets:
        target.samples = Samples(target.name)
    for number in range(warmup, warmup + updates):
        for target in targets:
            await target.measure_set(number)
