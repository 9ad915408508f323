"""Editing an item's details one field at a time, and the button helpers the editors share.

The template, program and program-session flows each show a menu of details; a tap on one
asks for its new value (or offers choices), checks it through the service, and shows the item
again with a notice. Bad input gets the reason and the question again, and the step stays.
:class:`FieldEditor` is that behaviour once; each flow gives it its wording, its callback codes
and how to load, save and show its item.

Every button carries the ids it acts on; the services re-check them against the acting user.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from telegram import InlineKeyboardMarkup, Update

from coaching.domain.enums import Difficulty
from coaching.domain.progression import EntryError
from coaching.errors import DomainError
from conversations.common import Button, Context, answer, esc, identity, is_skip, keyboard, show
from conversations.typed_buttons import ButtonCodec

# --- wording shared by every detail editor ----------------------------------------------------

WHICH_DETAIL = "Which detail do you want to change?"
SAVED = "✅ {label} saved."
UNCHANGED = "{label} left as it was."
HOW_HARD = "How hard is <b>{name}</b>?"

E = TypeVar("E", bound=StrEnum)
F = TypeVar("F", bound=StrEnum)
T = TypeVar("T")


# --- reading button presses and messages ------------------------------------------------------


def error_text(error: DomainError | EntryError) -> str:
    if isinstance(error, EntryError):
        return f"⚠️ {esc(error.message)} For example: <code>{esc(error.example)}</code>"
    return f"⚠️ {esc(error)}"


async def refuse(update: Update, error: DomainError | EntryError | str) -> None:
    """A refused button press: an alert that changes nothing."""
    text = error if isinstance(error, str) else str(error)
    await answer(update, text[:190], alert=True)


def one_id(update: Update, codec: ButtonCodec[Any]) -> int | None:
    """The one id a button of ``codec`` carries (``<prefix>:<action>:<id>``); None for anything
    else (forged, out of date)."""
    query = update.callback_query
    press = codec.decode(query.data if query is not None else None)
    if press is None or len(press.ids) != 1 or press.word is not None:
        return None
    return press.ids[0]


async def pressed(
    update: Update,
    expired: str,
    call: Callable[[int, int], Awaitable[T]],
    codec: ButtonCodec[Any],
) -> T | None:
    """``call(telegram id, id)`` for the one id a button of ``codec`` carries.

    None once the press was refused: a malformed button gets ``expired``, a ``DomainError``
    (not yours, gone) its own message.
    """
    return await call_with_id(update, one_id(update, codec), expired, call)


async def call_with_id(
    update: Update, item_id: int | None, expired: str, call: Callable[[int, int], Awaitable[T]]
) -> T | None:
    """``call(telegram id, item_id)``, or None once the press was refused: no id (a malformed
    button) gets ``expired``, a ``DomainError`` (not yours, gone) its own message."""
    if item_id is None:
        await refuse(update, expired)
        return None
    try:
        return await call(identity(update).telegram_id, item_id)
    except DomainError as error:
        await refuse(update, error)
        return None


def message_text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message is not None else ""


def field_menu(
    fields: Sequence[E], labels: Mapping[E, str], data: Callable[[E], str], back: str
) -> InlineKeyboardMarkup:
    """Buttons, three to a row, to pick which detail to edit (``data(field)`` each)."""
    rows: list[list[Button]] = [
        [(labels[f], data(f)) for f in fields[i : i + 3]] for i in range(0, len(fields), 3)
    ]
    rows.append([("⬅️ Back", back)])
    return keyboard(rows)


# --- the editor -------------------------------------------------------------------------------


class Item(Protocol):
    """A service view the editor can show: it has an id and a name."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


V = TypeVar("V", bound=Item)

Handler = Callable[[Update, Context], Coroutine[Any, Any, object]]
ShowItem = Callable[[Update, Context, int, str], Awaitable[object]]


class Codes(NamedTuple):
    """The callback codes of one editor's buttons (the part after the flow's prefix)."""

    menu: str
    pick: str
    clear: str
    item: str


@dataclass(frozen=True)
class Choice(Generic[F]):
    """A field set by tapping one of a few values (``<prefix>:<code>:<id>:<value>``)."""

    field: F
    code: str
    options: Sequence[tuple[str, str]]
    question: str


def difficulty_choice(field: F, code: str) -> Choice[F]:
    """The difficulty buttons templates and programs share."""
    options = tuple((d.value.title(), d.value) for d in Difficulty)
    return Choice(field, code, options, HOW_HARD)


@dataclass(frozen=True, kw_only=True)
class FieldEditor(Generic[F, V]):
    """One item kind's detail editor under a callback prefix.

    Callback data (see :class:`Codes`): ``<prefix>:<menu>:<id>`` shows the menu,
    ``<prefix>:<pick>:<id>:<field>`` asks for a field, ``<prefix>:<clear>:<id>:<field>`` clears
    it, and ``<prefix>:<item>:<id>`` is the item's own view (the menu's Back). ``required``
    fields have no Clear. While a typed value is awaited, ``user_data["<prefix>_detail"]`` holds
    ``{id_key: id, "field": field}``. ``load`` and ``save`` give, for an update's context, the
    service calls ``(telegram id, item id)`` and ``(telegram id, item id, field, value)``; a
    ``DomainError`` from either becomes the reply.
    """

    prefix: str
    codes: Codes
    kind: type[F]
    labels: Mapping[F, str]
    prompts: Mapping[F, str]
    required: frozenset[F]
    choice: Choice[F] | None = None
    id_key: str
    value_state: str
    view_state: str
    expired: str
    load: Callable[[Context], Callable[[int, int], Awaitable[V]]]
    save: Callable[[Context], Callable[[int, int, F, str | None], Awaitable[object]]]
    render: Callable[[V], str]
    show_item: ShowItem
    gone: Handler

    @property
    def pending_key(self) -> str:
        return f"{self.prefix}_detail"

    def routes(self) -> list[tuple[str, Handler]]:
        """(callback code, handler) for each button the editor answers."""
        codes = self.codes
        routes: list[tuple[str, Handler]] = [
            (codes.menu, self.on_menu),
            (codes.pick, self.on_field),
        ]
        if self.choice is not None:
            routes.append((self.choice.code, self.on_choose))
        routes.append((codes.clear, self.on_clear))
        return routes

    @cached_property
    def buttons(self) -> ButtonCodec[StrEnum]:
        """The editor's codec: its codes are the actions, the item's id then a field's (or a
        choice's) value follow."""
        codes = {"MENU": self.codes.menu, "PICK": self.codes.pick, "CLEAR": self.codes.clear}
        codes["ITEM"] = self.codes.item
        if self.choice is not None:
            codes["CHOOSE"] = self.choice.code
        actions = StrEnum(f"{self.prefix.title()}Detail", codes)  # type: ignore[misc]
        return ButtonCodec(self.prefix, actions, words=True)

    def _data(self, code: str, item_id: int, word: str | None = None) -> str:
        return self.buttons.encode(self.buttons.actions(code), item_id, word=word)

    def _press(self, update: Update, code: str) -> tuple[int, str | None] | None:
        """The item id and the value a ``<prefix>:<code>:<id>[:<value>]`` button carries."""
        query = update.callback_query
        press = self.buttons.decode(query.data if query is not None else None)
        if press is None or press.action != code or len(press.ids) != 1:
            return None
        return press.ids[0], press.word

    def _field_press(self, update: Update, code: str) -> tuple[int, F] | None:
        found = self._press(update, code)
        if found is None or found[1] not in {f.value for f in self.kind}:
            return None
        return found[0], self.kind(found[1])

    async def _load(self, update: Update, context: Context, item_id: int) -> V | None:
        try:
            return await self.load(context)(identity(update).telegram_id, item_id)
        except DomainError as error:
            await refuse(update, error)
            return None

    async def on_menu(self, update: Update, context: Context) -> object:
        view = await pressed(update, self.expired, self.load(context), self.buttons)
        if view is None:
            return None
        item_id = view.id
        menu = field_menu(
            list(self.kind),
            self.labels,
            lambda field: self._data(self.codes.pick, item_id, field.value),
            self._data(self.codes.item, item_id),
        )
        await show(update, f"{self.render(view)}\n\n{WHICH_DETAIL}", menu)
        return self.view_state

    async def on_field(self, update: Update, context: Context) -> object:
        found = self._field_press(update, self.codes.pick)
        if found is None:
            await refuse(update, self.expired)
            return None
        item_id, field = found
        view = await self._load(update, context, item_id)
        if view is None:
            return None
        back: Button = ("⬅️ Back", self._data(self.codes.menu, item_id))
        clear: Button = ("Clear", self._data(self.codes.clear, item_id, field.value))
        choice = self.choice
        if choice is not None and field is choice.field:
            options = [(label, self._data(choice.code, item_id, v)) for label, v in choice.options]
            rows = [options, [clear, back]]
            await show(update, choice.question.format(name=esc(view.name)), keyboard(rows))
            return self.view_state
        if context.user_data is not None:
            context.user_data[self.pending_key] = {self.id_key: item_id, "field": field.value}
        rows = [[back]]
        if field not in self.required:
            rows.insert(0, [clear])
        await show(update, self.prompts[field], keyboard(rows))
        return self.value_state

    async def _set(
        self, update: Update, context: Context, item_id: int, field: F, value: str | None
    ) -> object:
        try:
            await self.save(context)(identity(update).telegram_id, item_id, field, value)
        except DomainError as error:
            if update.callback_query:
                await refuse(update, error)
                return None
            await show(update, f"{error_text(error)}\n\n{self.prompts.get(field, '')}")
            return self.value_state
        if context.user_data is not None:
            context.user_data.pop(self.pending_key, None)
        notice = SAVED.format(label=self.labels[field])
        return await self.show_item(update, context, item_id, notice)

    async def on_value(self, update: Update, context: Context) -> object:
        """A typed value. ``skip`` leaves the field as it was (as Back does); ``-`` or
        ``none`` clears an optional field (as Clear does) rather than saving the word."""
        pending: Any = (context.user_data or {}).get(self.pending_key)
        if not isinstance(pending, dict) or self.id_key not in pending:
            return await self.gone(update, context)
        field = self.kind(pending["field"])
        item_id = int(pending[self.id_key])
        text = message_text(update)
        if is_skip(text):
            if field in self.required or text.strip().casefold().startswith("skip"):
                if context.user_data is not None:
                    context.user_data.pop(self.pending_key, None)
                notice = UNCHANGED.format(label=self.labels[field])
                return await self.show_item(update, context, item_id, notice)
            return await self._set(update, context, item_id, field, None)
        return await self._set(update, context, item_id, field, text)

    async def on_choose(self, update: Update, context: Context) -> object:
        choice = self.choice
        found = self._press(update, choice.code) if choice is not None else None
        if choice is None or found is None or found[1] not in {v for _, v in choice.options}:
            await refuse(update, self.expired)
            return None
        item_id, value = found
        return await self._set(update, context, item_id, choice.field, value)

    async def on_clear(self, update: Update, context: Context) -> object:
        found = self._field_press(update, self.codes.clear)
        if found is None or found[1] in self.required:
            await refuse(update, self.expired)
            return None
        return await self._set(update, context, found[0], found[1], None)
