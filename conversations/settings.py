"""/settings: time zone, units, reminder times (clients), quiet hours, digest time (trainers).

One message with buttons, edited in place as the person moves between the settings. Also here:
a reminder's "📋 See plan" button, and what happens when someone blocks or unblocks the bot.
"""

from __future__ import annotations

from datetime import time
from enum import StrEnum

from telegram import ChatMember, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from coaching.domain.enums import SessionStatus, Units
from coaching.domain.quiet_hours import QuietHours
from coaching.domain.reminders import (
    ReminderInputError,
    describe_minutes,
    parse_lead,
    parse_quiet_hours,
    parse_reminder_time,
)
from coaching.domain.schedule import WEEKDAY_NAMES
from coaching.domain.when import WhenError, parse_timezone
from coaching.errors import DomainError
from coaching.services.reminders import (
    ReminderService,
    SessionDetails,
    SettingsService,
    SettingsView,
)
from conversations.alerts import THRESHOLDS, At
from conversations.common import (
    END,
    Button,
    Context,
    answer,
    esc,
    identity,
    keyboard,
    notify,
    show,
)
from conversations.container import services
from conversations.flow import Final, Flow, button
from conversations.notices import BLOCKED
from conversations.start import COMMON_ZONES
from conversations.typed_buttons import ButtonCodec, Press, Shape

MENU, TIMEZONE, EVENING, LEAD, QUIET, DIGEST = range(6)
STEPS = {"tz": TIMEZONE, "eve": EVENING, "lead": LEAD, "quiet": QUIET, "dig": DIGEST}

# --- wording and keyboards -------------------------------------------------------------------

HEADER = "⚙️ <b>Your settings</b>"
LINE_TZ = "🌍 Time zone: <b>{tz}</b>"
LINE_UNITS = "⚖️ Units: <b>{units}</b>"
LINE_EVENING = "🔔 Evening-before reminder: <b>{value}</b>"
LINE_LEAD = "⏰ Reminder before a session: <b>{value}</b>"
LINE_QUIET = "🌙 Quiet hours: <b>{value}</b>"
LINE_DIGEST = "📰 Daily digest: <b>{value}</b>"
QUIET_NOTE = (
    "<i>Your reminders come at the times you chose. During quiet hours your trainer's messages "
    "wait until morning, unless you allowed them in /permissions.</i>"
)
TRAINER_QUIET_NOTE = (
    "<i>During quiet hours your clients' messages and notices wait until they end; urgent "
    "alerts still come at once.</i>"
)
FOOTER = "Tap a setting to change it."
OFF = "off"
SAVED = "✅ Saved."
CLOSED = "✅ Settings saved. Send /settings any time to change them."
NOT_REGISTERED = "I don't know you yet. Send /start first."

ASK_TIMEZONE = (
    "🌍 Which <b>time zone</b> are you in? Now: <b>{tz}</b>.\n\n"
    "Pick one below, or type your city or the zone's name, e.g. <code>Madrid</code> or "
    "<code>Europe/Madrid</code>."
)
ASK_EVENING = (
    "🔔 At what time <b>the evening before</b> a session should I remind you? "
    "Now: <b>{value}</b>.\n\nPick one, or type a time such as <code>19:30</code> or "
    "<code>7pm</code>, or <code>off</code>."
)
ASK_LEAD = (
    "⏰ How long <b>before a session</b> should I remind you? Now: <b>{value}</b>.\n\n"
    "Pick one, or type minutes or hours such as <code>45</code>, <code>90 min</code> or "
    "<code>2h</code>, or <code>off</code>."
)
ASK_QUIET = (
    "🌙 When are your <b>quiet hours</b>? Now: <b>{value}</b>.\n\n"
    "Pick one, or type a range such as <code>22:00-07:00</code> or <code>10pm to 7am</code>, "
    "or <code>off</code>."
)
ASK_DIGEST = (
    "📰 At what time should your <b>daily digest</b> arrive? Now: <b>{value}</b>.\n\n"
    "Pick one, or type a time such as <code>07:30</code> or <code>8am</code>, or "
    "<code>off</code>."
)
TAP_OR_TYPE = "Please pick a button or type your answer; /cancel leaves the settings."
FOR_CLIENTS = "That setting is for clients."
FOR_TRAINERS = "That setting is for trainers."


class Set(StrEnum):
    """The /settings buttons: ``set:<action>`` with a word (``set:open:tz``, ``set:tz:UTC``,
    ``set:eve:off``) or a number (``set:lead:60``; a time of day as HHMM, ``set:eve:1800``;
    quiet hours as two, ``set:quiet:2200:700``)."""

    OPEN = "open"
    UNITS = "units"
    DONE = "done"
    BACK = "back"
    ZONE = "tz"
    EVENING = "eve"
    LEAD = "lead"
    QUIET = "quiet"
    DIGEST = "dig"


class Reminder(StrEnum):
    """A reminder's "See plan" button, ``rm:plan:<session>`` (its other buttons are feedback's)."""

    PLAN = "plan"


SETTINGS = ButtonCodec("set", Set, words=True)
REMINDER = ButtonCodec("rm", Reminder)
NOT_A_CHOICE = "That button is not one of the choices."


def _at(hour: int, minute: int) -> int:
    """A time of day as a button's number, HHMM (18:00 is 1800)."""
    return hour * 100 + minute


def _off(action: Set) -> str:
    return SETTINGS.encode(action, word=OFF)


BACK: Button = ("⬅️ Back", SETTINGS.encode(Set.BACK))

ZONE_BUTTONS = keyboard(
    [
        *[
            [(zone, SETTINGS.encode(Set.ZONE, word=zone)) for zone in COMMON_ZONES[i : i + 3]]
            for i in range(0, len(COMMON_ZONES), 3)
        ],
        [BACK],
    ]
)
EVENING_BUTTONS = keyboard(
    [
        [(f"{h}:00", SETTINGS.encode(Set.EVENING, _at(h, 0))) for h in (18, 19, 20)],
        [("21:00", SETTINGS.encode(Set.EVENING, _at(21, 0))), ("Off", _off(Set.EVENING))],
        [BACK],
    ]
)
LEAD_BUTTONS = keyboard(
    [
        [
            ("30 min", SETTINGS.encode(Set.LEAD, 30)),
            ("1 hour", SETTINGS.encode(Set.LEAD, 60)),
            ("2 hours", SETTINGS.encode(Set.LEAD, 120)),
        ],
        [("3 hours", SETTINGS.encode(Set.LEAD, 180)), ("Off", _off(Set.LEAD))],
        [BACK],
    ]
)
QUIET_BUTTONS = keyboard(
    [
        [
            ("22:00–07:00", SETTINGS.encode(Set.QUIET, _at(22, 0), _at(7, 0))),
            ("23:00–08:00", SETTINGS.encode(Set.QUIET, _at(23, 0), _at(8, 0))),
        ],
        [
            ("21:00–06:00", SETTINGS.encode(Set.QUIET, _at(21, 0), _at(6, 0))),
            ("Off", _off(Set.QUIET)),
        ],
        [BACK],
    ]
)
DIGEST_BUTTONS = keyboard(
    [
        [(f"{h:02}:30", SETTINGS.encode(Set.DIGEST, _at(h, 30))) for h in (6, 7, 8)],
        [("Off", _off(Set.DIGEST))],
        [BACK],
    ]
)

PLAN_TEXT = "📋 <b>{title}</b>\n🗓 {when} · {duration} min\n👤 With {trainer}"
PLAN_WHERE = "\n📍 {location}"
PLAN_EXERCISES = "\n\n<b>The plan</b>\n{lines}"
PLAN_NO_EXERCISES = "\n\nNo exercises are attached to this session yet."
PLAN_STATUS = {
    SessionStatus.CANCELLED: "\n\n❌ This session was cancelled.",
    SessionStatus.RESCHEDULED: "\n\n↪️ This session was moved; see /plan for the new time.",
    SessionStatus.COMPLETED: "\n\n✅ This session is done.",
}
NOT_YOURS = "This button is not for a session of yours."


def _clock(value: time | None) -> str:
    return f"{value:%H:%M}" if value is not None else OFF


def _quiet(value: QuietHours | None) -> str:
    return f"{value.start:%H:%M}–{value.end:%H:%M}" if value is not None else OFF


def _lead(value: int | None) -> str:
    return describe_minutes(value) if value else OFF


def screen(view: SettingsView, note: str | None = None) -> str:
    lines = [note, ""] if note else []
    lines += [
        HEADER,
        "",
        LINE_TZ.format(tz=esc(view.timezone)),
        LINE_UNITS.format(units=view.units.value),
    ]
    if view.is_client:
        lines += [
            LINE_EVENING.format(value=_clock(view.evening_at)),
            LINE_LEAD.format(value=_lead(view.lead_minutes)),
        ]
    lines.append(LINE_QUIET.format(value=_quiet(view.quiet)))
    if view.is_trainer:
        lines.append(LINE_DIGEST.format(value=_clock(view.digest_at)))
    if view.is_client:
        lines += ["", QUIET_NOTE]
    if view.is_trainer:
        lines += ["", TRAINER_QUIET_NOTE]
    lines += ["", FOOTER]
    return "\n".join(lines)


def menu_buttons(view: SettingsView) -> list[list[Button]]:
    other = Units.LB if view.units is Units.KG else Units.KG
    rows: list[list[Button]] = [
        [
            ("🌍 Time zone", SETTINGS.encode(Set.OPEN, word="tz")),
            (f"⚖️ Switch to {other.value}", SETTINGS.encode(Set.UNITS, word=other.value)),
        ]
    ]
    if view.is_client:
        rows += [
            [
                ("🔔 Evening reminder", SETTINGS.encode(Set.OPEN, word="eve")),
                ("⏰ Before a session", SETTINGS.encode(Set.OPEN, word="lead")),
            ],
        ]
    rows.append([("🌙 Quiet hours", SETTINGS.encode(Set.OPEN, word="quiet"))])
    if view.is_trainer:
        rows.append([("📰 Digest time", SETTINGS.encode(Set.OPEN, word="dig"))])
        rows.append([("⚠️ Alert thresholds", THRESHOLDS.encode(At.OPEN))])
    rows.append([("✅ Done", SETTINGS.encode(Set.DONE))])
    return rows


# --- helpers ------------------------------------------------------------------------------------


def _press(update: Update) -> Press[Set] | None:
    query = update.callback_query
    return SETTINGS.decode(query.data) if query is not None else None


def _word(update: Update) -> str:
    """The word a ``set:`` button carries ("" for none)."""
    press = _press(update)
    return (press.word or "") if press is not None else ""


def _times(update: Update, count: int) -> list[time | None]:
    """``count`` times of day (HHMM numbers) a ``set:`` button carries, or ``[None]`` for its
    ``off``. Raises ValueError for anything else (a forged or out-of-date button)."""
    press = _press(update)
    if press is not None and press == Press(press.action, (), OFF):
        return [None]
    if press is None or press.word is not None or len(press.ids) != count:
        raise ValueError("not one of the choices")
    return [time(n // 100, n % 100) for n in press.ids]


def _text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message is not None else ""


async def _menu(update: Update, context: Context, view: SettingsView, note: str | None) -> int:
    await show(update, screen(view, note), keyboard(menu_buttons(view)))
    return MENU


async def _refuse(update: Update, message: str) -> None:
    """A pressed button that cannot be honoured: an alert, nothing changed."""
    await answer(update, message, alert=True)


# --- handlers ---------------------------------------------------------------------------------


async def open_settings(update: Update, context: Context) -> int:
    try:
        view = await SettingsService(services(context).ctx).get(identity(update).telegram_id)
    except DomainError:
        await show(update, NOT_REGISTERED, edit=False)
        return END
    await show(update, screen(view), keyboard(menu_buttons(view)), edit=False)
    return MENU


async def open_step(update: Update, context: Context) -> int:
    svc = SettingsService(services(context).ctx)
    try:
        view = await svc.get(identity(update).telegram_id)
    except DomainError as error:
        await _refuse(update, str(error))
        return END
    which = _word(update)
    if which in ("eve", "lead") and not view.is_client:
        await _refuse(update, FOR_CLIENTS)
        return MENU
    if which == "dig" and not view.is_trainer:
        await _refuse(update, FOR_TRAINERS)
        return MENU
    step = STEPS.get(which)
    if step is None:
        await _refuse(update, "That button is not one of the settings.")
        return MENU
    await show(update, *_question(step, view))
    return step


async def back(update: Update, context: Context) -> int:
    view = await SettingsService(services(context).ctx).get(identity(update).telegram_id)
    return await _menu(update, context, view, None)


async def done(update: Update, context: Context) -> int:
    await show(update, CLOSED)
    return END


async def switch_units(update: Update, context: Context) -> int:
    raw = _word(update)
    if raw not in (Units.KG.value, Units.LB.value):
        await _refuse(update, "That unit is not one I know.")
        return MENU
    view = await SettingsService(services(context).ctx).set_units(
        identity(update).telegram_id, Units(raw)
    )
    return await _menu(update, context, view, f"✅ Weights now show in {view.units.value}.")


async def _save_timezone(update: Update, context: Context, zone: str) -> int:
    svc = SettingsService(services(context).ctx)
    try:
        view = await svc.set_timezone(identity(update).telegram_id, zone)
    except DomainError as error:
        if update.callback_query is not None:
            await _refuse(update, str(error))
        else:
            await _ask_again(update, context, TIMEZONE, str(error))
        return TIMEZONE
    note = f"✅ Time zone set to {esc(view.timezone)}. Your reminders follow it."
    return await _menu(update, context, view, note)


async def zone_pressed(update: Update, context: Context) -> int:
    return await _save_timezone(update, context, _word(update))


async def zone_typed(update: Update, context: Context) -> int:
    try:
        zone = parse_timezone(_text(update))
    except WhenError as error:
        await _ask_again(update, context, TIMEZONE, str(error))
        return TIMEZONE
    return await _save_timezone(update, context, zone)


def _question(step: int, view: SettingsView) -> tuple[str, InlineKeyboardMarkup]:
    """A setting's question, showing what is stored now, and its buttons."""
    if step == TIMEZONE:
        return ASK_TIMEZONE.format(tz=esc(view.timezone)), ZONE_BUTTONS
    if step == EVENING:
        return ASK_EVENING.format(value=_clock(view.evening_at)), EVENING_BUTTONS
    if step == LEAD:
        return ASK_LEAD.format(value=_lead(view.lead_minutes)), LEAD_BUTTONS
    if step == QUIET:
        return ASK_QUIET.format(value=_quiet(view.quiet)), QUIET_BUTTONS
    return ASK_DIGEST.format(value=_clock(view.digest_at)), DIGEST_BUTTONS


async def _ask_again(update: Update, context: Context, step: int, message: str) -> None:
    """Input that could not be used: say why, ask again (with the stored value), stay put."""
    if update.callback_query is not None:
        await _refuse(update, message)
        return
    view = await SettingsService(services(context).ctx).get(identity(update).telegram_id)
    prompt, markup = _question(step, view)
    await show(update, f"⚠️ {esc(message)}\n\n{prompt}", markup)


async def _save_evening(update: Update, context: Context, at: time | None) -> int:
    view = await SettingsService(services(context).ctx).set_evening(
        identity(update).telegram_id, at
    )
    note = (
        f"✅ You'll get a reminder at {at:%H:%M} the evening before each session."
        if at is not None
        else "✅ No more evening-before reminders."
    )
    return await _menu(update, context, view, note)


async def evening_pressed(update: Update, context: Context) -> int:
    try:
        (at,) = _times(update, 1)
    except ValueError:
        await _refuse(update, NOT_A_CHOICE)
        return EVENING
    return await _save_evening(update, context, at)


async def evening_typed(update: Update, context: Context) -> int:
    try:
        at = parse_reminder_time(_text(update))
    except ReminderInputError as error:
        await _ask_again(update, context, EVENING, str(error))
        return EVENING
    return await _save_evening(update, context, at)


async def _save_lead(update: Update, context: Context, minutes: int | None) -> int:
    try:
        view = await SettingsService(services(context).ctx).set_lead(
            identity(update).telegram_id, minutes
        )
    except DomainError as error:
        await _ask_again(update, context, LEAD, str(error))
        return LEAD
    note = (
        f"✅ You'll get a reminder {describe_minutes(minutes)} before each session."
        if minutes
        else "✅ No more reminders shortly before a session."
    )
    return await _menu(update, context, view, note)


async def lead_pressed(update: Update, context: Context) -> int:
    press = _press(update)
    if press is None or not (press == Press(Set.LEAD, (), OFF) or Shape.ID.fits(press)):
        await _refuse(update, NOT_A_CHOICE)
        return LEAD
    return await _save_lead(update, context, press.id())


async def lead_typed(update: Update, context: Context) -> int:
    try:
        minutes = parse_lead(_text(update))
    except ReminderInputError as error:
        await _ask_again(update, context, LEAD, str(error))
        return LEAD
    return await _save_lead(update, context, minutes)


async def _save_quiet(update: Update, context: Context, quiet: QuietHours | None) -> int:
    view = await SettingsService(services(context).ctx).set_quiet(
        identity(update).telegram_id, quiet
    )
    note = (
        f"✅ Quiet hours set to {_quiet(quiet)}."
        if quiet is not None
        else "✅ Quiet hours are off: your trainer's messages arrive whenever they're sent."
    )
    return await _menu(update, context, view, note)


async def quiet_pressed(update: Update, context: Context) -> int:
    try:
        times = [t for t in _times(update, 2) if t is not None]  # none for "off"
        quiet = QuietHours(times[0], times[1]) if times else None
    except ValueError:
        await _refuse(update, NOT_A_CHOICE)
        return QUIET
    return await _save_quiet(update, context, quiet)


async def quiet_typed(update: Update, context: Context) -> int:
    try:
        quiet = parse_quiet_hours(_text(update))
    except ReminderInputError as error:
        await _ask_again(update, context, QUIET, str(error))
        return QUIET
    return await _save_quiet(update, context, quiet)


async def _save_digest(update: Update, context: Context, at: time | None) -> int:
    view = await SettingsService(services(context).ctx).set_digest(identity(update).telegram_id, at)
    note = (
        f"✅ Your daily digest will arrive at {at:%H:%M}."
        if at is not None
        else "✅ The daily digest is off."
    )
    return await _menu(update, context, view, note)


async def digest_pressed(update: Update, context: Context) -> int:
    try:
        (at,) = _times(update, 1)
    except ValueError:
        await _refuse(update, NOT_A_CHOICE)
        return DIGEST
    return await _save_digest(update, context, at)


async def digest_typed(update: Update, context: Context) -> int:
    try:
        at = parse_reminder_time(_text(update))
    except ReminderInputError as error:
        await _ask_again(update, context, DIGEST, str(error))
        return DIGEST
    return await _save_digest(update, context, at)


async def typed_in_menu(update: Update, context: Context) -> int:
    view = await SettingsService(services(context).ctx).get(identity(update).telegram_id)
    await show(update, screen(view, TAP_OR_TYPE), keyboard(menu_buttons(view)))
    return MENU


# --- a reminder's "See plan" button -------------------------------------------------------------


def plan_text(details: SessionDetails) -> str:
    local = details.starts_local
    when = f"{WEEKDAY_NAMES[local.weekday()]} {local.day} {local:%b}, {local:%H:%M}"
    text = PLAN_TEXT.format(
        title=esc(details.title),
        when=when,
        duration=details.duration_minutes,
        trainer=esc(details.trainer_name),
    )
    if details.location:
        text += PLAN_WHERE.format(location=esc(details.location))
    if details.description:
        text += f"\n\n{esc(details.description)}"
    if details.exercises:
        lines = "\n".join(f"• {esc(line)}" for line in details.exercises)
        text += PLAN_EXERCISES.format(lines=lines)
    else:
        text += PLAN_NO_EXERCISES
    return text + PLAN_STATUS.get(details.status, "")


async def see_plan(update: Update, context: Context) -> None:
    query = update.callback_query
    press = REMINDER.decode(query.data if query is not None else None)
    if press is None or not Shape.ID.fits(press):
        await _refuse(update, NOT_YOURS)
        return
    try:
        details = await ReminderService(services(context).ctx).session_details(
            identity(update).telegram_id, press.ids[0]
        )
    except DomainError:
        await _refuse(update, NOT_YOURS)
        return
    await show(update, plan_text(details), edit=False)


# --- blocking and unblocking the bot ------------------------------------------------------------


async def membership_changed(update: Update, context: Context) -> None:
    change = update.my_chat_member
    if change is None or update.effective_user is None:
        return
    old, new = change.old_chat_member.status, change.new_chat_member.status
    svc = ReminderService(services(context).ctx)
    telegram_id = update.effective_user.id
    if new == ChatMember.BANNED and old != ChatMember.BANNED:
        for notice in await svc.user_blocked(telegram_id):
            await notify(
                context, notice.trainer_chat_id, BLOCKED.format(client=esc(notice.client_name))
            )
    elif old == ChatMember.BANNED and new == ChatMember.MEMBER:
        await svc.user_returned(telegram_id)


def _after(action: Set) -> str:
    """``set:<action>:`` and whatever follows: the handler answers a forged value."""
    return rf"^{SETTINGS.prefix}:{action.value}:"


def build_handler() -> list[object]:
    text = filters.TEXT & ~filters.COMMAND
    flow = Flow(
        "settings",
        entry_points=[CommandHandler("settings", open_settings)],
        states={
            MENU: [
                CallbackQueryHandler(open_step, pattern=_after(Set.OPEN)),
                CallbackQueryHandler(switch_units, pattern=_after(Set.UNITS)),
                CallbackQueryHandler(done, pattern=SETTINGS.exactly(Set.DONE)),
                MessageHandler(text, typed_in_menu),
            ],
            TIMEZONE: [
                CallbackQueryHandler(zone_pressed, pattern=_after(Set.ZONE)),
                CallbackQueryHandler(back, pattern=SETTINGS.exactly(Set.BACK)),
                MessageHandler(text, zone_typed),
            ],
            EVENING: [
                CallbackQueryHandler(evening_pressed, pattern=_after(Set.EVENING)),
                CallbackQueryHandler(back, pattern=SETTINGS.exactly(Set.BACK)),
                MessageHandler(text, evening_typed),
            ],
            LEAD: [
                CallbackQueryHandler(lead_pressed, pattern=_after(Set.LEAD)),
                CallbackQueryHandler(back, pattern=SETTINGS.exactly(Set.BACK)),
                MessageHandler(text, lead_typed),
            ],
            QUIET: [
                CallbackQueryHandler(quiet_pressed, pattern=_after(Set.QUIET)),
                CallbackQueryHandler(back, pattern=SETTINGS.exactly(Set.BACK)),
                MessageHandler(text, quiet_typed),
            ],
            DIGEST: [
                CallbackQueryHandler(digest_pressed, pattern=_after(Set.DIGEST)),
                CallbackQueryHandler(back, pattern=SETTINGS.exactly(Set.BACK)),
                MessageHandler(text, digest_typed),
            ],
        },
    )
    return [
        flow,
        button(rf"^{REMINDER.prefix}:{Reminder.PLAN.value}:", see_plan),
        Final(ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)),
    ]
