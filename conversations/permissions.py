"""/permissions: a client decides what each trainer may see and do, and runs the relationship.

Each flag is a toggle button saved at once; the trainer is told what changed. The same screen
pauses, resumes or ends the coaching relationship, with a reason the trainer sees.

"📈 Per-exercise sharing" narrows what the trainer sees of single exercises (seed 000
ProgressionAccess): pick an exercise, the numbers to share and optionally the dates. Every
press carries the relationship and exercise ids; the service re-checks them against the client.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.enums import Permission, RelationshipStatus
from coaching.domain.permissions import (
    PERMISSION_LABELS,
    PROGRESSION_METRIC_ORDER,
    metric_label,
    ordered_metrics,
)
from coaching.domain.when import example_day
from coaching.errors import DomainError, NotFound
from coaching.services.permissions import (
    NOT_YOUR_TRAINER,
    PERMISSION_ORDER,
    PermissionChange,
    PermissionService,
    PermissionsView,
    SharingChange,
    SharingChoice,
    SharingRule,
    SharingView,
    TrainerLink,
)
from coaching.services.relationships import Parties, RelationshipService
from conversations.clients import lifecycle_notice, notice_markup
from conversations.common import (
    END,
    Button,
    Context,
    answer,
    esc,
    identity,
    is_skip,
    keyboard,
    notify,
    show,
    told,
)
from conversations.container import services
from conversations.flow import Flow
from conversations.invite import SHARED_NOUNS
from conversations.typed_buttons import ButtonCodec, Press

REASON = 0
SHARE_SEARCH, SHARE_METRICS, SHARE_FROM, SHARE_TO = range(1, 5)
KEY = "perm"
SHARE_KEY = "perm_share"


class Perm(StrEnum):
    """The client's sharing screen's buttons: ``perm:<action>:<relationship id>[:...]``."""

    LIST = "list"
    OPEN = "r"
    TOGGLE = "t"
    PAUSE = "pause"
    RESUME = "resume"
    END = "end"
    SHARING = "pg"
    ADD_RULE = "pa"
    EXERCISE = "px"
    METRIC = "pm"
    WINDOW = "pw"
    FROM = "pf"
    TO = "pt"
    RULE = "pe"
    REMOVE_RULE = "pd"
    SKIP = "skip"


PERM = ButtonCodec("perm", Perm, words=True)

# --- wording and keyboards -------------------------------------------------------------------

NO_TRAINER = (
    "You don't have a trainer yet. Open the invite link your trainer sent you, "
    "or find one with /trainers."
)
PICK_TRAINER = "🔐 <b>Your trainers</b>\n\nPick one to see and change what they may see and do."
STATUS_TEXT = {
    RelationshipStatus.PENDING: "⏳ waiting for the trainer",
    RelationshipStatus.ACTIVE: "🟢 active",
    RelationshipStatus.PAUSED: "⏸ paused",
}
VIEW_TEXT = (
    "🔐 <b>What {trainer} may see and do</b>\n"
    "Coaching: {status}{dates}\n\n"
    "Tap a line to switch it on or off. It takes effect at once and {trainer} is told."
)
ASK_PAUSE = (
    "⏸ Why are you pausing coaching with <b>{name}</b>? They will see the reason.\n"
    "For example: <i>holiday until 10 January</i>. Or tap Skip."
)
ASK_END = (
    "🛑 Why are you ending coaching with <b>{name}</b>? They will see the reason "
    "(up to 500 characters). Your data stays yours.\n"
    "For example: <i>moving to another city</i>"
)
LOST = "That step is no longer open. Send /permissions to start again."
EXPIRED = "This button has expired. Send /permissions to start again."

SHARING_TEXT = (
    "📈 <b>Per-exercise sharing with {trainer}</b>\n\n"
    "Without a rule, {trainer} sees all your progress numbers for every exercise. "
    "A rule limits one exercise to the numbers you pick, and if you like to a range of dates."
)
SHARING_OFF = (
    "⚠️ You have switched off <i>{label}</i>, so {trainer} sees none of your progress now. "
    "These rules apply once you switch it back on."
)
SHARING_EMPTY = "<i>No rules yet: {trainer} sees every exercise.</i>"
ASK_EXERCISE = (
    "📈 <b>New rule</b> — which exercise? Type part of its name, e.g. <code>bench</code>, "
    "<code>rdl</code> or <code>goblet squat</code>."
)
PICK_EXERCISE = "📈 Pick the exercise for “{query}”:"
NO_EXERCISE = (
    "No exercise matches “{query}”. Try another name, e.g. <code>squat</code> or "
    "<code>bench</code>."
)
ASK_METRICS = (
    "📈 <b>{exercise}</b> — what may {trainer} see?\n\n"
    "Tap the numbers to share (✅ shared), then <b>Next</b>."
)
NEED_METRIC = "⚠️ Pick at least one number to share, for example <b>e1RM</b>."
METRICS_BY_BUTTON = "Tap the numbers to share below, then Next. Or send /cancel."
ASK_FROM = (
    "📅 <b>{exercise}</b> · {metrics}\n\n"
    "From which day may {trainer} see it? Type a date like <code>{example}</code>, "
    "or tap a button. <i>All history</i> includes everything you have logged."
)
ASK_TO = (
    "📅 <b>{exercise}</b> · {metrics} · {start}\n\n"
    "Until which day? Type a date like <code>{example}</code>, or tap <b>No end</b>."
)
RULE_TEXT = (
    "📈 <b>{exercise}</b> — shared with {trainer}\n\nNumbers: {metrics}\nWhen: {window}{closed}"
)
CLOSED_NOTE = "\n<i>{state}, so {trainer} sees none of it now.</i>"
METRIC_DESCRIPTIONS = {
    "e1rm": "estimated one-rep max",
    "weight": "the loads you lift",
    "reps": "reps per set",
    "volume": "total tonnage per session",
    "rpe": "how hard it felt",
}


def window_text(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return "all history, no end"
    if start is None:
        assert end is not None
        return f"all history until {end.isoformat()}"
    if end is None:
        return f"from {start.isoformat()}, no end"
    return f"{start.isoformat()} to {end.isoformat()}"


def metrics_text(metrics: tuple[str, ...] | list[str]) -> str:
    return ", ".join(metric_label(m) for m in ordered_metrics(metrics)) or "nothing"


def closed_text(rule: SharingRule) -> str:
    if rule.open_today:
        return ""
    return " (not started yet)" if rule.upcoming else " (ended)"


def rule_line(rule: SharingRule) -> str:
    closed = closed_text(rule)
    return (
        f"• <b>{esc(rule.exercise_name)}</b> — {metrics_text(rule.metrics)} · "
        f"{window_text(rule.start, rule.end)}{closed}"
    )


def sharing_text(view: SharingView, note: str = "") -> str:
    trainer = esc(view.trainer_name)
    parts = [note] if note else []
    parts.append(SHARING_TEXT.format(trainer=trainer))
    if not view.progression_shared:
        label = PERMISSION_LABELS[Permission.VIEW_PROGRESSION_DATA]
        parts.append(SHARING_OFF.format(label=label, trainer=trainer))
    if view.rules:
        parts.append("\n".join(rule_line(rule) for rule in view.rules))
    else:
        parts.append(SHARING_EMPTY.format(trainer=trainer))
    return "\n\n".join(parts)


def sharing_keyboard(view: SharingView) -> InlineKeyboardMarkup:
    rid = view.relationship_id
    rows: list[list[Button]] = [
        [(f"✏️ {rule.exercise_name[:50]}", PERM.encode(Perm.RULE, rid, rule.exercise_id))]
        for rule in view.rules
    ]
    rows.append(
        [("➕ Add rule", PERM.encode(Perm.ADD_RULE, rid)), ("◀ Back", PERM.encode(Perm.OPEN, rid))]
    )
    return keyboard(rows)


def sharing_notice(change: SharingChange) -> str:
    """What the trainer reads when a client saves or removes a per-exercise rule."""
    name, exercise = esc(change.client_name), esc(change.exercise_name)
    if change.rule is None:
        return (
            f"📈 <b>{name}</b> removed the sharing rule for <b>{exercise}</b>: their general "
            "progress setting applies to it again."
        )
    verb = "now shares" if change.created else "changed what they share of"
    return (
        f"📈 <b>{name}</b> {verb} <b>{exercise}</b>: {metrics_text(change.rule.metrics)} · "
        f"{window_text(change.rule.start, change.rule.end)}."
    )


def metrics_keyboard(draft: dict[str, Any]) -> InlineKeyboardMarkup:
    rid, eid = draft["rid"], draft["eid"]
    chosen = set(draft.get("metrics", []))
    rows: list[list[Button]] = [
        [
            (
                f"{'✅' if metric in chosen else '▫️'} {metric_label(metric)} · "
                f"{METRIC_DESCRIPTIONS[metric]}",
                PERM.encode(Perm.METRIC, rid, eid, i),
            )
        ]
        for i, metric in enumerate(PROGRESSION_METRIC_ORDER)
    ]
    rows.append(
        [("◀ Back", PERM.encode(Perm.SHARING, rid)), ("Next ▶", PERM.encode(Perm.WINDOW, rid, eid))]
    )
    return keyboard(rows)


def metrics_screen(draft: dict[str, Any]) -> str:
    return ASK_METRICS.format(exercise=esc(draft["name"]), trainer=esc(draft["trainer"]))


def _today(draft: dict[str, Any]) -> date:
    """The day the sharing flow was opened (the examples it quotes are taken from it)."""
    try:
        return date.fromisoformat(str(draft.get("today")))
    except ValueError:
        return date.today()


def from_screen(draft: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    rid, eid = draft["rid"], draft["eid"]
    text = ASK_FROM.format(
        exercise=esc(draft["name"]),
        metrics=metrics_text(draft["metrics"]),
        trainer=esc(draft["trainer"]),
        example=_today(draft).replace(day=1).isoformat(),
    )
    markup = keyboard(
        [
            [
                ("All history", PERM.encode(Perm.FROM, rid, eid, word="all")),
                ("From today", PERM.encode(Perm.FROM, rid, eid, word="now")),
            ],
            [("◀ Back", PERM.encode(Perm.EXERCISE, rid, eid))],
        ]
    )
    return text, markup


def to_screen(draft: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    rid, eid = draft["rid"], draft["eid"]
    start = date.fromisoformat(draft["start"]) if draft.get("start") else None
    after = max(start or _today(draft), _today(draft))
    text = ASK_TO.format(
        exercise=esc(draft["name"]),
        metrics=metrics_text(draft["metrics"]),
        start="all history" if start is None else f"from {start.isoformat()}",
        example=example_day(after + timedelta(days=60)).isoformat(),
    )
    markup = keyboard(
        [
            [
                ("◀ Back", PERM.encode(Perm.WINDOW, rid, eid)),
                ("No end", PERM.encode(Perm.TO, rid, eid, word="none")),
            ]
        ]
    )
    return text, markup


def rule_screen(choice: SharingChoice) -> tuple[str, InlineKeyboardMarkup]:
    rule = choice.rule
    assert rule is not None
    rid, eid = choice.relationship_id, choice.exercise_id
    text = RULE_TEXT.format(
        exercise=esc(choice.exercise_name),
        trainer=esc(choice.trainer_name),
        metrics=metrics_text(rule.metrics),
        window=window_text(rule.start, rule.end),
        closed=""
        if rule.open_today
        else CLOSED_NOTE.format(
            state="Not started yet" if rule.upcoming else "Ended",
            trainer=esc(choice.trainer_name),
        ),
    )
    markup = keyboard(
        [
            [
                ("✏️ Change", PERM.encode(Perm.EXERCISE, rid, eid)),
                ("🗑 Remove rule", PERM.encode(Perm.REMOVE_RULE, rid, eid)),
            ],
            [("◀ Back", PERM.encode(Perm.SHARING, rid))],
        ]
    )
    return text, markup


def change_notice(change: PermissionChange) -> str:
    """What the trainer reads when a client switches one flag."""
    noun = SHARED_NOUNS[change.permission]
    name = esc(change.client_name)
    viewing = change.permission.value.startswith("view_")
    if change.allowed:
        verb = "now shares" if viewing else "now allows"
        return f"🔓 <b>{name}</b> {verb}: {noun}."
    verb = "stopped sharing" if viewing else "no longer allows"
    return f"🔒 <b>{name}</b> {verb}: {noun}."


def view_text(view: PermissionsView) -> str:
    dates = ""
    if view.start_date:
        dates += f", since {view.start_date.isoformat()}"
    if view.end_date:
        dates += f", until {view.end_date.isoformat()}"
    return VIEW_TEXT.format(
        trainer=esc(view.trainer_name), status=STATUS_TEXT.get(view.status, ""), dates=dates
    )


def view_keyboard(view: PermissionsView, *, several: bool) -> InlineKeyboardMarkup:
    rid = view.relationship_id
    rows: list[list[Button]] = [
        [
            (
                f"{'✅' if view.flags.allows(p) else '❌'} {PERMISSION_LABELS[p]}",
                PERM.encode(Perm.TOGGLE, rid, i),
            )
        ]
        for i, p in enumerate(PERMISSION_ORDER)
    ]
    rows.append([("📈 Per-exercise sharing", PERM.encode(Perm.SHARING, rid))])
    actions: list[Button] = []
    if view.status is RelationshipStatus.ACTIVE:
        actions.append(("⏸ Pause coaching", PERM.encode(Perm.PAUSE, rid)))
    elif view.status is RelationshipStatus.PAUSED:
        actions.append(("▶️ Resume coaching", PERM.encode(Perm.RESUME, rid)))
    actions.append(("🛑 End coaching", PERM.encode(Perm.END, rid)))
    rows.append(actions)
    if several:
        rows.append([("◀ All trainers", PERM.encode(Perm.LIST))])
    return keyboard(rows)


def trainers_keyboard(links: list[TrainerLink]) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                (
                    f"{link.trainer_name} · {STATUS_TEXT[link.status]}",
                    PERM.encode(Perm.OPEN, link.relationship_id),
                )
            ]
            for link in links
        ]
    )


# --- handlers ---------------------------------------------------------------------------------


async def _several(context: Context, telegram_id: int) -> bool:
    return len(await PermissionService(services(context).ctx).trainers(telegram_id)) > 1


async def permissions_command(update: Update, context: Context) -> int:
    svc = PermissionService(services(context).ctx)
    who = identity(update).telegram_id
    try:
        links = await svc.trainers(who)
        if len(links) == 1:
            view = await svc.view(who, links[0].relationship_id)
            await show(update, view_text(view), view_keyboard(view, several=False), edit=False)
            return END
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return END
    if not links:
        await show(update, NO_TRAINER, edit=False)
        return END
    await show(update, PICK_TRAINER, trainers_keyboard(links), edit=False)
    return END


async def list_pressed(update: Update, context: Context) -> int:
    try:
        links = await PermissionService(services(context).ctx).trainers(
            identity(update).telegram_id
        )
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return END
    if not links:
        await show(update, NO_TRAINER)
        return END
    await show(update, PICK_TRAINER, trainers_keyboard(links))
    return END


def _press(update: Update) -> Press[Perm] | None:
    assert update.callback_query is not None
    return PERM.decode(update.callback_query.data)


def _id(update: Update) -> int | None:
    """The one id of a ``perm:<action>:<relationship id>`` button; None for anything else."""
    press = _press(update)
    if press is None or len(press.ids) != 1 or press.word is not None:
        return None
    return press.ids[0]


def _word(update: Update) -> str:
    press = _press(update)
    return (press.word or "") if press is not None else ""


async def _render(update: Update, context: Context, relationship_id: int, note: str = "") -> int:
    who = identity(update).telegram_id
    try:
        view = await PermissionService(services(context).ctx).view(who, relationship_id)
        several = await _several(context, who)
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return END
    text = view_text(view)
    await show(update, f"{note}\n\n{text}" if note else text, view_keyboard(view, several=several))
    return END


async def open_pressed(update: Update, context: Context) -> int:
    relationship_id = _id(update)
    if relationship_id is None:
        await answer(update, EXPIRED, alert=True)
        return END
    return await _render(update, context, relationship_id)


async def toggle_pressed(update: Update, context: Context) -> int:
    press = _press(update)
    if press is None or len(press.ids) != 2 or press.word is not None:
        await answer(update, EXPIRED, alert=True)
        return END
    who = identity(update).telegram_id
    try:
        change = await PermissionService(services(context).ctx).toggle(who, *press.ids)
        several = await _several(context, who)
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return END
    delivery = await notify(context, change.trainer_telegram_id, change_notice(change))
    text = view_text(change.view)
    if delivery.held:
        text += f"\n\n🌙 {told(esc(change.view.trainer_name), delivery)}"
    await show(update, text, view_keyboard(change.view, several=several))
    return END


async def _ask(update: Update, context: Context, action: str) -> int:
    relationship_id = _id(update)
    if relationship_id is None:
        await answer(update, EXPIRED, alert=True)
        return END
    target = RelationshipStatus.PAUSED if action == "pause" else RelationshipStatus.TERMINATED
    try:
        parties = await _client_side(context, identity(update).telegram_id, relationship_id, target)
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return END
    assert context.user_data is not None
    context.user_data[KEY] = {"action": action, "rid": parties.relationship_id}
    context.user_data[KEY]["name"] = parties.other_name
    await show(update, _prompt(context.user_data[KEY]), _prompt_markup(action))
    return REASON


async def _client_side(
    context: Context, telegram_id: int, relationship_id: int, target: RelationshipStatus
) -> Parties:
    """This screen is the client's: a trainer acts from the client's card instead."""
    parties = await RelationshipService(services(context).ctx).prepare(
        telegram_id, relationship_id, target
    )
    if parties.by_trainer:
        raise NotFound(NOT_YOUR_TRAINER)
    return parties


def _prompt(state: dict[str, Any]) -> str:
    template = ASK_PAUSE if state["action"] == "pause" else ASK_END
    return template.format(name=esc(state.get("name", "")))


def _prompt_markup(action: str) -> InlineKeyboardMarkup | None:
    return keyboard([[("Skip ⏭", PERM.encode(Perm.SKIP))]]) if action == "pause" else None


async def pause_pressed(update: Update, context: Context) -> int:
    return await _ask(update, context, "pause")


async def end_pressed(update: Update, context: Context) -> int:
    return await _ask(update, context, "end")


async def resume_pressed(update: Update, context: Context) -> int:
    relationship_id = _id(update)
    if relationship_id is None:
        await answer(update, EXPIRED, alert=True)
        return END
    who = identity(update).telegram_id
    try:
        await _client_side(context, who, relationship_id, RelationshipStatus.ACTIVE)
        change = await RelationshipService(services(context).ctx).resume(who, relationship_id)
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return END
    await notify(context, change.other_telegram_id, lifecycle_notice(change), notice_markup(change))
    return await _render(update, context, change.relationship_id, "▶️ Coaching resumed.")


def _state(context: Context) -> dict[str, Any] | None:
    data = context.user_data
    state = data.get(KEY) if data is not None else None
    return state if isinstance(state, dict) else None


async def reason_typed(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    text = update.effective_message.text or ""
    state = _state(context)
    if is_skip(text) and state is not None and state.get("action") == "pause":
        return await _apply(update, context, None)
    return await _apply(update, context, text)


async def reason_skipped(update: Update, context: Context) -> int:
    state = _state(context)
    if state is None or state.get("action") != "pause":
        await answer(update, "Please type the reason.", alert=True)
        return REASON
    return await _apply(update, context, None)


async def _apply(update: Update, context: Context, reason: str | None) -> int:
    state = _state(context)
    if state is None:
        await show(update, LOST, edit=False)
        return END
    svc = RelationshipService(services(context).ctx)
    who = identity(update).telegram_id
    try:
        if state["action"] == "pause":
            change = await svc.pause(who, int(state["rid"]), reason)
        else:
            change = await svc.terminate(who, int(state["rid"]), reason or "")
    except DomainError as error:
        await show(
            update,
            f"⚠️ {esc(error)}\n\n{_prompt(state)}",
            _prompt_markup(str(state["action"])),
            edit=False,
        )
        return REASON
    if context.user_data is not None:
        context.user_data.pop(KEY, None)
    delivery = await notify(
        context, change.other_telegram_id, lifecycle_notice(change), notice_markup(change)
    )
    if change.status is RelationshipStatus.TERMINATED:
        await show(
            update,
            f"🛑 Your coaching with <b>{esc(change.trainer_name)}</b> has ended. "
            f"{told(esc(change.trainer_name), delivery)} Your data stays yours.",
        )
        return END
    return await _render(update, context, change.relationship_id, "⏸ Coaching paused.")


# --- per-exercise sharing ----------------------------------------------------------------------


def _ids(update: Update, count: int) -> list[int] | None:
    """The first ``count`` ids of the pressed button (a word may follow them)."""
    press = _press(update)
    if press is None or len(press.ids) < count:
        return None
    return list(press.ids[:count])


def _draft(
    context: Context, ids: list[int] | None = None, at: tuple[str, ...] = ()
) -> dict[str, Any] | None:
    """The rule being set up; with ``ids``, only if it is for that relationship and exercise,
    and with ``at``, only while it is at one of those steps."""
    data = context.user_data
    draft = data.get(SHARE_KEY) if data is not None else None
    if not isinstance(draft, dict):
        return None
    if ids is not None and [draft.get("rid"), draft.get("eid")] != ids[:2]:
        return None
    if at and draft.get("at") not in at:
        return None
    return draft


def _drop_draft(context: Context) -> None:
    if context.user_data is not None:
        context.user_data.pop(SHARE_KEY, None)


async def _sharing(update: Update, context: Context, relationship_id: int, note: str = "") -> int:
    try:
        view = await PermissionService(services(context).ctx).sharing(
            identity(update).telegram_id, relationship_id
        )
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return END
    _drop_draft(context)
    await show(update, sharing_text(view, note), sharing_keyboard(view))
    return END


async def sharing_pressed(update: Update, context: Context) -> int:
    ids = _ids(update, 1)
    if ids is None:
        await answer(update, EXPIRED, alert=True)
        return END
    return await _sharing(update, context, ids[0])


async def add_rule_pressed(update: Update, context: Context) -> int:
    ids = _ids(update, 1)
    if ids is None:
        await answer(update, EXPIRED, alert=True)
        return END
    try:
        view = await PermissionService(services(context).ctx).sharing(
            identity(update).telegram_id, ids[0]
        )
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return END
    assert context.user_data is not None
    context.user_data[SHARE_KEY] = {"rid": view.relationship_id, "searching": True}
    back = keyboard([[("◀ Back", PERM.encode(Perm.SHARING, view.relationship_id))]])
    await show(update, ASK_EXERCISE, back)
    return SHARE_SEARCH


async def exercise_typed(update: Update, context: Context) -> int | None:
    draft = _draft(context)
    if draft is None or not draft.get("searching"):
        await show(update, LOST, edit=False)
        return END
    assert update.effective_message is not None
    query = " ".join((update.effective_message.text or "").split())
    rid = int(draft["rid"])
    back: list[Button] = [("◀ Back", PERM.encode(Perm.SHARING, rid))]
    try:
        choices = await PermissionService(services(context).ctx).sharing_search(
            identity(update).telegram_id, rid, query
        )
    except DomainError as error:
        await show(update, f"⚠️ {esc(error)}\n\n{ASK_EXERCISE}", keyboard([back]), edit=False)
        return SHARE_SEARCH
    if not choices:
        text = NO_EXERCISE.format(query=esc(query[:100]))
        await show(update, text, keyboard([back]), edit=False)
        return SHARE_SEARCH
    rows: list[list[Button]] = [
        [
            (
                c.exercise_name[:50] + (f" ({c.trainer_name[:20]}'s)" if c.trainers_own else ""),
                PERM.encode(Perm.EXERCISE, rid, c.exercise_id),
            )
        ]
        for c in choices
    ]
    rows.append(back)
    await show(update, PICK_EXERCISE.format(query=esc(query[:100])), keyboard(rows), edit=False)
    return SHARE_SEARCH


async def exercise_pressed(update: Update, context: Context) -> int:
    """An exercise picked for a new rule, or an existing rule's Change: choose the numbers."""
    ids = _ids(update, 2)
    if ids is None:
        await answer(update, EXPIRED, alert=True)
        return END
    try:
        choice = await PermissionService(services(context).ctx).sharing_choice(
            identity(update).telegram_id, ids[0], ids[1]
        )
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return END
    draft = _draft(context, [choice.relationship_id, choice.exercise_id])
    if draft is None or "metrics" not in draft:
        rule = choice.rule
        draft = {
            "rid": choice.relationship_id,
            "eid": choice.exercise_id,
            "metrics": list(rule.metrics) if rule else ["e1rm"],
            "start": rule.start.isoformat() if rule and rule.start else None,
        }
    draft.update(
        name=choice.exercise_name, trainer=choice.trainer_name, searching=False, at="metrics"
    )
    assert context.user_data is not None
    context.user_data[SHARE_KEY] = draft
    await show(update, metrics_screen(draft), metrics_keyboard(draft))
    return SHARE_METRICS


async def metric_pressed(update: Update, context: Context) -> int | None:
    ids = _ids(update, 3)
    draft = _draft(context, ids, ("metrics",)) if ids is not None else None
    if ids is None or draft is None:
        await answer(update, EXPIRED, alert=True)
        return None
    if ids[2] >= len(PROGRESSION_METRIC_ORDER):
        await answer(update, EXPIRED, alert=True)
        return None
    metric = PROGRESSION_METRIC_ORDER[ids[2]]
    chosen = list(draft.get("metrics", []))
    chosen = [m for m in chosen if m != metric] if metric in chosen else [*chosen, metric]
    draft["metrics"] = list(ordered_metrics(chosen))
    assert context.user_data is not None
    context.user_data[SHARE_KEY] = draft
    await show(update, metrics_screen(draft), metrics_keyboard(draft))
    return SHARE_METRICS


async def metrics_typed(update: Update, context: Context) -> int:
    draft = _draft(context, at=("metrics",))
    if draft is None:
        await show(update, LOST, edit=False)
        return END
    text = f"{METRICS_BY_BUTTON}\n\n{metrics_screen(draft)}"
    await show(update, text, metrics_keyboard(draft), edit=False)
    return SHARE_METRICS


async def window_pressed(update: Update, context: Context) -> int | None:
    """Next after the numbers (or Back from the end date): ask from when."""
    ids = _ids(update, 2)
    draft = _draft(context, ids, ("metrics", "from", "to")) if ids is not None else None
    if draft is None:
        await answer(update, EXPIRED, alert=True)
        return None
    if not draft.get("metrics"):
        await show(update, f"{NEED_METRIC}\n\n{metrics_screen(draft)}", metrics_keyboard(draft))
        return SHARE_METRICS
    draft["at"] = "from"
    draft["today"] = services(context).ctx.clock.now().date().isoformat()
    assert context.user_data is not None
    context.user_data[SHARE_KEY] = draft
    text, markup = from_screen(draft)
    await show(update, text, markup)
    return SHARE_FROM


async def _set_start(update: Update, context: Context, text: str) -> int | None:
    draft = _draft(context, at=("from",))
    if draft is None:
        await show(update, LOST, edit=False)
        return END
    edit = update.callback_query is not None
    try:
        start = await PermissionService(services(context).ctx).window_start(
            identity(update).telegram_id, text
        )
    except DomainError as error:
        screen, markup = from_screen(draft)
        await show(update, f"⚠️ {esc(error)}\n\n{screen}", markup, edit=edit)
        return SHARE_FROM
    draft.update(start=start.isoformat() if start else None, at="to")
    assert context.user_data is not None
    context.user_data[SHARE_KEY] = draft
    screen, markup = to_screen(draft)
    await show(update, screen, markup, edit=edit)
    return SHARE_TO


async def start_pressed(update: Update, context: Context) -> int | None:
    ids = _ids(update, 2)
    word = _word(update)
    draft = _draft(context, ids, ("from",)) if ids is not None else None
    if draft is None or word not in ("all", "now"):
        await answer(update, EXPIRED, alert=True)
        return None
    return await _set_start(update, context, "all" if word == "all" else "today")


async def start_typed(update: Update, context: Context) -> int | None:
    assert update.effective_message is not None
    return await _set_start(update, context, update.effective_message.text or "")


async def _set_end(update: Update, context: Context, text: str) -> int | None:
    draft = _draft(context, at=("to",))
    if draft is None:
        await show(update, LOST, edit=False)
        return END
    edit = update.callback_query is not None
    svc = PermissionService(services(context).ctx)
    who = identity(update).telegram_id
    start = date.fromisoformat(draft["start"]) if draft.get("start") else None
    try:
        end = await svc.window_end(who, text, start)
    except DomainError as error:
        screen, markup = to_screen(draft)
        await show(update, f"⚠️ {esc(error)}\n\n{screen}", markup, edit=edit)
        return SHARE_TO
    try:
        change = await svc.share_exercise(
            who, int(draft["rid"]), int(draft["eid"]), draft["metrics"], start, end
        )
    except DomainError as error:
        _drop_draft(context)
        await show(update, f"⚠️ {esc(error)}", edit=edit)
        return END
    _drop_draft(context)
    delivery = await notify(context, change.trainer_telegram_id, sharing_notice(change))
    assert change.rule is not None
    note = (
        f"✅ Saved: <b>{esc(change.exercise_name)}</b> — {metrics_text(change.rule.metrics)} · "
        f"{window_text(change.rule.start, change.rule.end)}. "
        f"{told(esc(change.view.trainer_name), delivery)}"
    )
    await show(update, sharing_text(change.view, note), sharing_keyboard(change.view), edit=edit)
    return END


async def end_date_pressed(update: Update, context: Context) -> int | None:
    ids = _ids(update, 2)
    draft = _draft(context, ids, ("to",)) if ids is not None else None
    if draft is None or _word(update) != "none":
        await answer(update, EXPIRED, alert=True)
        return None
    return await _set_end(update, context, "no end")


async def end_date_typed(update: Update, context: Context) -> int | None:
    assert update.effective_message is not None
    return await _set_end(update, context, update.effective_message.text or "")


async def rule_pressed(update: Update, context: Context) -> int:
    ids = _ids(update, 2)
    if ids is None:
        await answer(update, EXPIRED, alert=True)
        return END
    try:
        choice = await PermissionService(services(context).ctx).sharing_choice(
            identity(update).telegram_id, ids[0], ids[1]
        )
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return END
    if choice.rule is None:
        return await _sharing(update, context, choice.relationship_id)
    _drop_draft(context)
    text, markup = rule_screen(choice)
    await show(update, text, markup)
    return END


async def remove_rule_pressed(update: Update, context: Context) -> int:
    ids = _ids(update, 2)
    if ids is None:
        await answer(update, EXPIRED, alert=True)
        return END
    try:
        change = await PermissionService(services(context).ctx).unshare_exercise(
            identity(update).telegram_id, ids[0], ids[1]
        )
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return END
    _drop_draft(context)
    delivery = await notify(context, change.trainer_telegram_id, sharing_notice(change))
    note = (
        f"🗑 Rule removed for <b>{esc(change.exercise_name)}</b>. "
        f"{told(esc(change.view.trainer_name), delivery)}"
    )
    await show(update, sharing_text(change.view, note), sharing_keyboard(change.view))
    return END


ON_PRESS: dict[Perm, Callable[[Update, Context], Coroutine[Any, Any, int | None]]] = {
    Perm.OPEN: open_pressed,
    Perm.TOGGLE: toggle_pressed,
    Perm.PAUSE: pause_pressed,
    Perm.RESUME: resume_pressed,
    Perm.END: end_pressed,
    Perm.SHARING: sharing_pressed,
    Perm.ADD_RULE: add_rule_pressed,
    Perm.EXERCISE: exercise_pressed,
    Perm.METRIC: metric_pressed,
    Perm.WINDOW: window_pressed,
    Perm.FROM: start_pressed,
    Perm.TO: end_date_pressed,
    Perm.RULE: rule_pressed,
    Perm.REMOVE_RULE: remove_rule_pressed,
}


def build_handler() -> list[object]:
    text = filters.TEXT & ~filters.COMMAND
    flow = Flow(
        "permissions",
        entry_points=[
            CommandHandler("permissions", permissions_command),
            CallbackQueryHandler(list_pressed, pattern=PERM.exactly(Perm.LIST)),
            # any data after the action's name reaches its handler, which answers a forged one
            *(
                CallbackQueryHandler(handler, pattern=rf"^{PERM.prefix}:{action.value}:")
                for action, handler in ON_PRESS.items()
            ),
        ],
        states={
            REASON: [
                CallbackQueryHandler(reason_skipped, pattern=PERM.exactly(Perm.SKIP)),
                MessageHandler(text, reason_typed),
            ],
            SHARE_SEARCH: [MessageHandler(text, exercise_typed)],
            SHARE_METRICS: [MessageHandler(text, metrics_typed)],
            SHARE_FROM: [MessageHandler(text, start_typed)],
            SHARE_TO: [MessageHandler(text, end_date_typed)],
        },
    )
    return [flow]
