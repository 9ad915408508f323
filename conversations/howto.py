"""The "ℹ️ How to" button: an exercise's how-to, or the trainer's demo, in one tap.

The button can sit on any message (/today, a template, the exercise catalogue). Pressing it
sends the how-to as a new message below and leaves whatever flow is open where it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from telegram import Update

from coaching.domain.howtos import MediaKind
from coaching.errors import DomainError
from coaching.services.howtos import HowToService, HowToView
from conversations.common import Button, Context, answer, esc, identity
from conversations.container import services
from conversations.flow import Final, button
from conversations.typed_buttons import MAX_CALLBACK_BYTES

PREFIX = "ht"
CAPTION_MAX = 1024
TEXT_MAX = 4096
NO_HOWTO = "No how-to is written for this exercise yet. Ask your trainer for a demo."
EXPIRED = "This button has expired. Send /help to start again."


@dataclass(frozen=True, slots=True)
class HowToButton:
    """``ht:<exercise id>``: show that exercise's how-to. The button names no action (it has
    only the one), so it is read by its exact shape: the buttons in chats keep working."""

    exercise_id: int

    SHAPE: ClassVar[re.Pattern[str]] = re.compile(rf"{PREFIX}:([0-9]{{1,15}})")

    def encode(self) -> str:
        data = f"{PREFIX}:{self.exercise_id}"
        if len(data.encode()) > MAX_CALLBACK_BYTES or not self.SHAPE.fullmatch(data):
            raise ValueError(f"not a how-to button: {data!r}")
        return data

    @classmethod
    def decode(cls, data: str | None) -> HowToButton | None:
        found = cls.SHAPE.fullmatch(data or "")
        return cls(int(found.group(1))) if found else None


def howto_button(exercise_id: int, name: str) -> Button:
    return (f"ℹ️ {name}"[:60], HowToButton(exercise_id).encode())


def howto_rows(items: Iterable[tuple[int, str]], limit: int = 10) -> list[list[Button]]:
    """ "ℹ️ How to" buttons for (exercise id, name) pairs: each exercise once, the first
    ``limit`` of them, two a row."""
    seen: dict[int, str] = {}
    for exercise_id, name in items:
        if exercise_id > 0 and exercise_id not in seen and len(seen) < limit:
            seen[exercise_id] = name
    buttons = [howto_button(exercise_id, name) for exercise_id, name in seen.items()]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _label(value: str) -> str:
    return value.replace("_", " ")


def howto_text(view: HowToView, *, with_trainer: bool = True) -> str:
    """The how-to in HTML: setup, cues, muscles, mistakes, then the trainer's own cues."""
    lines = [f"ℹ️ <b>{esc(view.name)}</b>"]
    if view.howto is not None:
        lines.append(f"<b>Setup:</b> {esc(view.howto.setup)}")
        lines.append("<b>Cues:</b>\n" + "\n".join(f"• {esc(c)}" for c in view.howto.cues))
    if view.muscles:
        lines.append("<b>Works:</b> " + esc(", ".join(_label(m) for m in view.muscles)))
    if view.howto is not None:
        lines.append("<b>Avoid:</b>\n" + "\n".join(f"• {esc(m)}" for m in view.howto.mistakes))
    if with_trainer and view.cues:
        lines.append(
            f"🎬 <b>From {esc(view.trainer_name or 'your trainer')}:</b>\n{esc(view.cues)}"
        )
    if view.howto is None and not view.cues and not view.file_id:
        lines.append(NO_HOWTO)
    return "\n\n".join(lines)


def _caption(view: HowToView) -> tuple[str, str | None]:
    """The demo's caption, and the how-to as a second message when both don't fit."""
    full = howto_text(view)
    if len(full) <= CAPTION_MAX:
        return full, None
    short = f"🎬 <b>{esc(view.name)}</b> · {esc(view.trainer_name or 'your trainer')}"
    if view.cues:
        short += f"\n\n{esc(view.cues)}"
    return short, howto_text(view, with_trainer=False)


async def send_howto(update: Update, context: Context, view: HowToView) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    if view.file_id is None or view.media_kind is None:
        await chat.send_message(howto_text(view)[:TEXT_MAX])
        return
    caption, rest = _caption(view)
    if view.media_kind is MediaKind.PHOTO:
        await chat.send_photo(view.file_id, caption=caption)
    elif view.media_kind is MediaKind.VIDEO:
        await chat.send_video(view.file_id, caption=caption)
    else:
        await chat.send_animation(view.file_id, caption=caption)
    if rest is not None:
        await chat.send_message(rest[:TEXT_MAX])


async def howto_pressed(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    button = HowToButton.decode(update.callback_query.data)
    if button is None:
        await answer(update, EXPIRED, alert=True)
        return
    try:
        view = await HowToService(services(context).ctx).view(
            identity(update).telegram_id, button.exercise_id
        )
    except DomainError as error:
        await answer(update, str(error)[:190], alert=True)
        return
    await answer(update)
    await send_howto(update, context, view)


def howto_handler() -> Final:
    """The stand-alone handler of every "ℹ️ How to" button; it answers and stops."""
    return button(rf"^{PREFIX}:", howto_pressed)
