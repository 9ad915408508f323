"""/newclient: create a client profile step by step, then hand the trainer an invite link.

Only the name is required: right after it the trainer picks "Create now" (a name-only client
in two messages) or "Add details", and every later step has a Skip button. The draft lives in
``context.user_data["newclient"]`` (JSON values only), so a restarted bot resumes at the same
step. Nothing is written until the trainer taps Create on the summary.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain import client_profile as cp
from coaching.domain.enums import RelationshipType, Units
from coaching.domain.invites import invite_link
from coaching.domain.units import plain, to_unit
from coaching.errors import DomainError, InvalidInput
from coaching.services.clients import ClientService
from coaching.services.users import UserService
from conversations.clients import card_data
from conversations.common import (
    END,
    Button,
    Context,
    answer,
    esc,
    identity,
    is_skip,
    keyboard,
    show,
)
from conversations.container import services
from conversations.flow import Flow
from conversations.typed_buttons import ButtonCodec, Press, Shape

ASK, CONFIRM = range(2)
KEY = "newclient"

# --- wording and keyboards -------------------------------------------------------------------

INTRO = (
    "➕ <b>New client</b>\n\nOnly the name is required: after it, create the client at once "
    "or add details."
)
NOT_TRAINER = "Only trainers can add clients. Send /start to register as a trainer."
NOT_REGISTERED = "I don't know you yet. Send /start first."
LOST = "That form is no longer open. Send /newclient to add a client."
OLD_BUTTON = "This button belongs to an earlier question."
SKIP = "Skip ⏭"
TYPE_LABELS = {
    RelationshipType.IN_PERSON.value: "In person",
    RelationshipType.ONLINE.value: "Online",
    RelationshipType.HYBRID.value: "Hybrid",
}
CHOICE = (
    "➕ <b>{name}</b>\n\nCreate them now and get the invite link, or add details first "
    "(contact, date of birth, body, fitness, goals, injuries, medical notes, emergency "
    "contact, coaching type; each can be skipped)?"
)
CHOICE_TYPED = "Please tap <b>Create now</b> or <b>Add details</b>."
CREATE_NOW = "✅ Create now"
ADD_DETAILS = "➕ Add details"
SUMMARY_HEAD = "📋 <b>Check the new client</b>\n\n"
SUMMARY_TAIL = "\n\nTap <b>Create</b> to save and get the invite link, or edit a detail."
CREATED = (
    "✅ <b>{name}</b> is now one of your clients ({kind}), waiting to join.\n\n"
    "Forward this invite link to them:\n{link}\n\n"
    "It works once and expires on {expires}. I'll tell you when they accept or decline. "
    "You can revoke it or make a new one from their card."
)


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    label: str
    prompt: str
    parse: Callable[[str, dict[str, Any]], dict[str, Any]]
    options: tuple[tuple[str, str], ...] = ()
    required: bool = False


def _contact(text: str, draft: dict[str, Any]) -> dict[str, Any]:
    email, phone = cp.parse_contact(text)
    return {"email": email, "phone": phone}


def _dob(text: str, draft: dict[str, Any]) -> dict[str, Any]:
    today = date.fromisoformat(str(draft["today"]))
    return {"date_of_birth": cp.parse_date_of_birth(text, today).isoformat()}


def _type(text: str, draft: dict[str, Any]) -> dict[str, Any]:
    return {"relationship_type": cp.parse_relationship_type(text).value}


def _typed_weight_unit(text: str, default: str) -> str:
    """The unit a weight was typed in: its own word, else the trainer's unit."""
    lowered = text.lower()
    if "lb" in lowered or "pound" in lowered:
        return Units.LB.value
    if "k" in lowered:
        return Units.KG.value
    return default


def _typed_height_unit(text: str) -> str:
    """``ft`` for feet and inches (``5'11"``, ``5 ft 11``), else ``cm``."""
    lowered = text.lower()
    return "ft" if any(mark in lowered for mark in ("'", "’", "′", "ft", "feet", "foot")) else "cm"


def _height(text: str, draft: dict[str, Any]) -> dict[str, Any]:
    return {"height_cm": str(cp.parse_height(text)), "height_unit": _typed_height_unit(text)}


def _weight(text: str, draft: dict[str, Any]) -> dict[str, Any]:
    default = str(draft.get("unit", Units.KG.value))
    return {
        "weight_kg": str(cp.parse_weight(text, default_unit=default)),
        "weight_unit": _typed_weight_unit(text, default),
    }


STEPS: tuple[Step, ...] = (
    Step(
        "name",
        "Name",
        "What is the client's <b>name</b>?\nFor example: <i>Maria Lopez</i>",
        lambda t, d: {"name": cp.parse_name(t)},
        required=True,
    ),
    Step(
        "contact",
        "Contact",
        "Their <b>email and/or phone</b>?\nFor example: <i>maria@example.com, +44 7700 900123</i>",
        _contact,
    ),
    Step(
        "dob",
        "Date of birth",
        "<b>Date of birth</b>? Year-month-day, or day first.\n"
        "For example: <i>1990-05-17</i> or <i>17.05.1990</i>",
        _dob,
    ),
    Step(
        "gender",
        "Gender",
        "<b>Gender</b>? Tap one or type it.",
        lambda t, d: {"gender": cp.parse_gender(t)},
        options=(
            ("Female", "female"),
            ("Male", "male"),
            ("Non-binary", "non-binary"),
            ("Prefer not to say", "prefer not to say"),
        ),
    ),
    Step(
        "height",
        "Height",
        "<b>Height</b>?\nFor example: <i>180 cm</i>, <i>1.80 m</i> or <i>5'11\"</i>",
        _height,
    ),
    Step(
        "weight",
        "Weight",
        "<b>Weight</b>?\nFor example: <i>82.5 kg</i> or <i>180 lb</i>",
        _weight,
    ),
    Step(
        "body_fat",
        "Body fat",
        "<b>Body fat %</b>?\nFor example: <i>18</i> or <i>18.5%</i>",
        lambda t, d: {"body_fat_pct": str(cp.parse_body_fat(t))},
    ),
    Step(
        "rhr",
        "Resting heart rate",
        "<b>Resting heart rate</b> in beats per minute?\nFor example: <i>62</i>",
        lambda t, d: {"resting_heart_rate": cp.parse_resting_hr(t)},
    ),
    Step(
        "fitness",
        "Fitness level",
        "<b>Fitness level</b>?",
        lambda t, d: {"fitness_level": cp.parse_fitness_level(t)},
        options=tuple((level.title(), level) for level in cp.FITNESS_LEVELS),
    ),
    Step(
        "goals",
        "Goals",
        "<b>Goals</b>? Separate them with commas or new lines.\n"
        "For example: <i>lose 5 kg, run a 10k</i>",
        lambda t, d: {"goals": cp.parse_goals(t)},
    ),
    Step(
        "injuries",
        "Injuries",
        "<b>Injuries</b> or limitations? Separate them with commas or new lines.\n"
        "For example: <i>left knee (ACL, 2021), lower back pain</i>",
        lambda t, d: {"injuries": cp.parse_injuries(t)},
    ),
    Step(
        "medical",
        "Medical notes",
        "<b>Medical notes</b> (up to 2000 characters)?\n"
        "For example: <i>asthma; uses an inhaler</i>",
        lambda t, d: {"medical_notes": cp.parse_medical_notes(t)},
    ),
    Step(
        "emergency",
        "Emergency contact",
        "<b>Emergency contact</b>: a name and a phone number?\n"
        "For example: <i>Ana Lopez (sister), +44 7700 900456</i>",
        lambda t, d: {"emergency_contact": cp.parse_emergency_contact(t)},
    ),
    Step(
        "type",
        "Coaching type",
        "How will you coach them? (Skip means in person.)",
        _type,
        options=tuple((label, value) for value, label in TYPE_LABELS.items()),
    ),
)
STEP_BY_KEY = {step.key: step for step in STEPS}
StepKey = StrEnum("StepKey", {step.key.upper(): step.key for step in STEPS})  # type: ignore[misc]
"""The steps' keys, which the step buttons carry where an action's name goes."""


class Confirm(StrEnum):
    """The summary's buttons: ``nc:create``, ``nc:edit``, ``nc:cancel``, ``nc:summary``."""

    CREATE = "create"
    EDIT = "edit"
    CANCEL = "cancel"
    SUMMARY = "summary"


CONFIRM_CODEC = ButtonCodec("nc", Confirm)
OPTION = ButtonCodec("nc:opt", StepKey)
"""``nc:opt:<step key>:<option index>``."""
SKIP_STEP = ButtonCodec("nc:skip", StepKey)
"""``nc:skip:<step key>``."""
EDIT_FIELD = ButtonCodec("nc:field", StepKey)
"""``nc:field:<step key>``: edit that detail from the summary."""
# What each step sets, so Skip can clear it when a detail is edited.
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "contact": ("email", "phone"),
    "dob": ("date_of_birth",),
    "gender": ("gender",),
    "height": ("height_cm", "height_unit"),
    "weight": ("weight_kg", "weight_unit"),
    "body_fat": ("body_fat_pct",),
    "rhr": ("resting_heart_rate",),
    "fitness": ("fitness_level",),
    "goals": ("goals",),
    "injuries": ("injuries",),
    "medical": ("medical_notes",),
    "emergency": ("emergency_contact",),
    "type": ("relationship_type",),
}


class Intake(StrEnum):
    """The two buttons offered right after the name."""

    NOW = "now"
    MORE = "more"


INTAKE = ButtonCodec("nci", Intake)
CHOICE_BUTTONS = keyboard(
    [[(CREATE_NOW, INTAKE.encode(Intake.NOW)), (ADD_DETAILS, INTAKE.encode(Intake.MORE))]]
)


def choice_text(draft: dict[str, Any]) -> str:
    return CHOICE.format(name=esc(draft["values"].get("name", "")))


def step_markup(step: Step) -> InlineKeyboardMarkup | None:
    rows: list[list[Button]] = []
    options = [
        (label, OPTION.encode(StepKey(step.key), i)) for i, (label, _v) in enumerate(step.options)
    ]
    rows.extend(options[i : i + 2] for i in range(0, len(options), 2))
    if not step.required:
        rows.append([(SKIP, SKIP_STEP.encode(StepKey(step.key)))])
    return keyboard(rows) if rows else None


def step_text(step: Step) -> str:
    number = STEPS.index(step) + 1
    return f"<i>Step {number} of {len(STEPS)}</i>\n{step.prompt}"


CONFIRM_BUTTONS = keyboard(
    [
        [
            ("✅ Create", CONFIRM_CODEC.encode(Confirm.CREATE)),
            ("✏️ Edit a detail", CONFIRM_CODEC.encode(Confirm.EDIT)),
        ],
        [("✖ Cancel", CONFIRM_CODEC.encode(Confirm.CANCEL))],
    ]
)
EDIT_BUTTONS = keyboard(
    [
        [(s.label, EDIT_FIELD.encode(StepKey(s.key))) for s in STEPS[i : i + 3]]
        for i in range(0, len(STEPS), 3)
    ]
    + [[("◀ Back to summary", CONFIRM_CODEC.encode(Confirm.SUMMARY))]]
)


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _weight_text(kg: Decimal, unit: str) -> str:
    """Body weight in ``unit``: kilograms as stored (0.01), pounds to 0.1 (what was typed)."""
    if unit == Units.LB.value:
        pounds = to_unit(kg, Units.LB).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return f"{plain(pounds)} lb"
    return f"{plain(kg)} kg"


def _height_text(cm: Decimal, unit: str) -> str:
    """Height as ``180.3 cm`` or, in feet and inches, ``5'11"`` (inches to 0.5)."""
    if unit != "ft":
        return f"{plain(cm)} cm"
    halves = (cm / cp.INCH_CM * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    feet, inches = divmod(halves / 2, 12)
    return f"{plain(feet)}'{plain(inches)}\""


def _body_text(render: Callable[[Decimal, str], str], amount: Decimal, typed: str, own: str) -> str:
    """What the trainer typed, then the same in their own unit when that differs."""
    shown = render(amount, typed)
    return shown if typed == own else f"{shown} ({render(amount, own)})"


def _body_lines(values: dict[str, Any], unit: str) -> tuple[str | None, str | None]:
    """Height and weight as typed, and in the trainer's own unit too when it differs."""
    height = _decimal(values.get("height_cm"))
    weight = _decimal(values.get("weight_kg"))
    own_length = "ft" if unit == Units.LB.value else "cm"
    height_text = weight_text = None
    if height is not None:
        typed = str(values.get("height_unit") or own_length)
        height_text = _body_text(_height_text, height, typed, own_length)
    if weight is not None:
        typed = str(values.get("weight_unit") or unit)
        weight_text = _body_text(_weight_text, weight, typed, unit)
    return height_text, weight_text


def _value_lines(values: dict[str, Any], unit: str = Units.KG.value) -> list[str]:
    def line(label: str, value: object) -> str:
        return f"{label}: {esc(value)}" if value not in (None, "", []) else f"{label}: —"

    goals = values.get("goals") or []
    injuries = values.get("injuries") or []
    height, weight = _body_lines(values, unit)
    fat = values.get("body_fat_pct")
    rhr = values.get("resting_heart_rate")
    contact = ", ".join(str(v) for v in (values.get("email"), values.get("phone")) if v)
    return [
        f"<b>{esc(values.get('name', ''))}</b>",
        line("Contact", contact),
        line("Date of birth", values.get("date_of_birth")),
        line("Gender", values.get("gender")),
        line("Height", height),
        line("Weight", weight),
        line("Body fat", f"{fat}%" if fat else None),
        line("Resting heart rate", f"{rhr} bpm" if rhr else None),
        line("Fitness level", values.get("fitness_level")),
        line("Goals", "; ".join(goals)),
        line("Injuries", "; ".join(injuries)),
        line("Medical notes", values.get("medical_notes")),
        line("Emergency contact", values.get("emergency_contact")),
        line(
            "Coaching",
            TYPE_LABELS.get(str(values.get("relationship_type")), "In person"),
        ),
    ]


def summary_text(draft: dict[str, Any]) -> str:
    """The summary of a draft, with body measurements in the trainer's unit."""
    values = draft["values"]
    unit = str(draft.get("unit", Units.KG.value))
    return SUMMARY_HEAD + "\n".join(_value_lines(values, unit)) + SUMMARY_TAIL


# --- handlers ---------------------------------------------------------------------------------


def _draft(context: Context) -> dict[str, Any] | None:
    data = context.user_data
    draft = data.get(KEY) if data is not None else None
    return draft if isinstance(draft, dict) else None


async def start(update: Update, context: Context) -> int:
    svc = services(context)
    who = identity(update)
    view = await UserService(svc.ctx).get(who.telegram_id)
    if view is None:
        await show(update, NOT_REGISTERED, edit=False)
        return END
    if not view.is_trainer:
        await show(update, NOT_TRAINER, edit=False)
        return END
    room = await ClientService(svc.ctx).capacity(who.telegram_id)
    if not room.can_accept:
        await show(update, f"You can't add a client right now. {room.reason()}", edit=False)
        return END
    today = svc.ctx.clock.now().astimezone(ZoneInfo(view.timezone)).date()
    assert context.user_data is not None
    context.user_data[KEY] = {
        "step": STEPS[0].key,
        "values": {},
        "editing": False,
        "today": today.isoformat(),
        "unit": view.units.value,
    }
    await show(update, f"{INTRO}\n\n{step_text(STEPS[0])}", step_markup(STEPS[0]), edit=False)
    return ASK


async def _advance(update: Update, draft: dict[str, Any], *, edit: bool) -> int:
    """Ask the next question, or show the summary when done (or when editing one detail)."""
    current = STEP_BY_KEY[draft["step"]]
    index = STEPS.index(current)
    if current.key == "name" and not draft.get("editing"):
        draft["step"] = "choice"
        await show(update, choice_text(draft), CHOICE_BUTTONS, edit=edit)
        return CONFIRM
    if draft.get("editing") or index + 1 >= len(STEPS):
        draft["editing"] = False
        draft["step"] = "confirm"
        await show(update, summary_text(draft), CONFIRM_BUTTONS, edit=edit)
        return CONFIRM
    following = STEPS[index + 1]
    draft["step"] = following.key
    await show(update, step_text(following), step_markup(following), edit=edit)
    return ASK


def _apply(draft: dict[str, Any], step: Step, text: str) -> None:
    values = draft["values"]
    values.update(step.parse(text, draft))


def _skip(draft: dict[str, Any], step: Step) -> None:
    """Skip (the button or the typed word) leaves the detail empty, also when editing it."""
    for name in STEP_FIELDS[step.key]:
        draft["values"].pop(name, None)


async def typed(update: Update, context: Context) -> int:
    draft = _draft(context)
    if draft is None or draft.get("step") not in STEP_BY_KEY:
        await show(update, LOST, edit=False)
        return END
    step = STEP_BY_KEY[draft["step"]]
    assert update.effective_message is not None
    text = update.effective_message.text or ""
    if not step.required and is_skip(text):
        _skip(draft, step)
        return await _advance(update, draft, edit=False)
    try:
        _apply(draft, step, text)
    except InvalidInput as error:
        await show(update, f"⚠️ {esc(error)}\n\n{step_text(step)}", step_markup(step), edit=False)
        return ASK
    return await _advance(update, draft, edit=False)


async def pressed(update: Update, context: Context) -> int:
    """Skip or an option button of the current question."""
    draft = _draft(context)
    assert update.callback_query is not None
    data = update.callback_query.data
    skip, option = SKIP_STEP.decode(data), OPTION.decode(data)
    if draft is None or draft.get("step") not in STEP_BY_KEY:
        await answer(update, LOST, alert=True)
        return END
    step = STEP_BY_KEY[draft["step"]]
    skipped = skip == Press(StepKey(step.key)) and not step.required
    index = option.ids[0] if option is not None and Shape.ID.fits(option) else len(step.options)
    if skipped:
        _skip(draft, step)
        return await _advance(update, draft, edit=True)
    if option is not None and option.action == step.key and index < len(step.options):
        _apply(draft, step, step.options[index][1])
        return await _advance(update, draft, edit=True)
    await answer(update, OLD_BUTTON, alert=True)
    return ASK


async def confirm_typed(update: Update, context: Context) -> int:
    draft = _draft(context)
    if draft is None:
        await show(update, LOST, edit=False)
        return END
    if draft.get("step") == "choice":
        await show(update, f"{CHOICE_TYPED}\n\n{choice_text(draft)}", CHOICE_BUTTONS, edit=False)
        return CONFIRM
    await show(
        update,
        "Please tap a button: Create, Edit a detail or Cancel.\n\n" + summary_text(draft),
        CONFIRM_BUTTONS,
        edit=False,
    )
    return CONFIRM


async def confirm_pressed(update: Update, context: Context) -> int:
    draft = _draft(context)
    assert update.callback_query is not None
    data = update.callback_query.data
    if draft is None:
        await answer(update, LOST, alert=True)
        return END
    field = EDIT_FIELD.decode(data)
    if field is not None and field == Press(field.action):
        step = STEP_BY_KEY[field.action]
        draft["step"] = step.key
        draft["editing"] = True
        await show(update, step_text(step), step_markup(step))
        return ASK
    press = CONFIRM_CODEC.decode(data)
    if press is None or press != Press(press.action):
        await answer(update, OLD_BUTTON, alert=True)
        return CONFIRM
    return await ON_CONFIRM[press.action](update, context, draft)


async def _summary(update: Update, context: Context, draft: dict[str, Any]) -> int:
    await show(update, summary_text(draft), CONFIRM_BUTTONS)
    return CONFIRM


async def _edit_menu(update: Update, context: Context, draft: dict[str, Any]) -> int:
    await show(update, "Which detail do you want to change?", EDIT_BUTTONS)
    return CONFIRM


async def _cancel(update: Update, context: Context, draft: dict[str, Any]) -> int:
    assert context.user_data is not None
    context.user_data.pop(KEY, None)
    await show(update, "Cancelled. No client was created.")
    return END


async def choice_pressed(update: Update, context: Context) -> int:
    """Right after the name: create the client now, or go on to the optional details."""
    draft = _draft(context)
    assert update.callback_query is not None
    press = INTAKE.decode(update.callback_query.data)
    if draft is None or draft.get("step") != "choice" or "name" not in draft.get("values", {}):
        await answer(update, LOST if draft is None else OLD_BUTTON, alert=True)
        return END if draft is None else CONFIRM
    if press is None or press != Press(press.action):
        await answer(update, OLD_BUTTON, alert=True)
        return CONFIRM
    if press.action is Intake.NOW:
        return await _create(update, context, draft, back=CHOICE_BUTTONS)
    following = STEPS[1]
    draft["step"] = following.key
    await show(update, step_text(following), step_markup(following))
    return ASK


async def _create(
    update: Update,
    context: Context,
    draft: dict[str, Any],
    back: InlineKeyboardMarkup = CONFIRM_BUTTONS,
) -> int:
    svc = services(context)
    who = identity(update)
    try:
        client = await ClientService(svc.ctx).create_client(
            who.telegram_id,
            cp.draft_from_values(draft["values"]),
            ttl_days=svc.settings.invite_ttl_days,
        )
    except DomainError as error:
        shown = choice_text(draft) if back is CHOICE_BUTTONS else summary_text(draft)
        await show(update, f"⚠️ {esc(error)}\n\n" + shown, back)
        return CONFIRM
    view = await UserService(svc.ctx).get(who.telegram_id)
    zone = ZoneInfo(view.timezone if view else "UTC")
    assert context.user_data is not None
    context.user_data.pop(KEY, None)
    link = invite_link(context.bot.username, client.token)
    await show(
        update,
        CREATED.format(
            name=esc(client.name),
            kind=TYPE_LABELS[client.relationship_type.value].lower(),
            link=esc(link),
            expires=client.expires_at.astimezone(zone).strftime("%d %b %Y, %H:%M"),
        ),
        keyboard([[("📇 Open card", card_data(client.client_profile_id))]]),
    )
    return END


ON_CONFIRM: dict[Confirm, Callable[[Update, Context, dict[str, Any]], Awaitable[int]]] = {
    Confirm.SUMMARY: _summary,
    Confirm.EDIT: _edit_menu,
    Confirm.CANCEL: _cancel,
    Confirm.CREATE: _create,
}


def _starts(*codecs: ButtonCodec[Any]) -> str:
    """A pattern for data that starts with one of these codecs' prefixes."""
    return "^(?:" + "|".join(re.escape(f"{c.prefix}:") for c in codecs) + ")"


def build_handler() -> list[object]:
    text = filters.TEXT & ~filters.COMMAND
    flow = Flow(
        "newclient",
        entry_points=[CommandHandler("newclient", start)],
        states={
            ASK: [
                CallbackQueryHandler(pressed, pattern=_starts(SKIP_STEP, OPTION)),
                MessageHandler(text, typed),
            ],
            CONFIRM: [
                # only the two buttons themselves: anything else with their prefix is out of date
                CallbackQueryHandler(
                    choice_pressed, pattern="|".join(INTAKE.exactly(a) for a in Intake)
                ),
                CallbackQueryHandler(confirm_pressed, pattern=_starts(CONFIRM_CODEC, EDIT_FIELD)),
                MessageHandler(text, confirm_typed),
            ],
        },
    )
    return [flow]
