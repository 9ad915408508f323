"""What the /templates and /programs flows share: a trainer's library of one kind of item.

:class:`Library` is the list (a page at a time, with a New button), opening an item, copying it
and archiving it (after a confirmation), under a flow's callback prefix. Each flow gives it its
wording, its service, how to show one item and how to start a new one.

Buttons are typed (:mod:`conversations.typed_buttons`): :func:`button_handler` decodes a press
and hands it to the handler its action names in a dispatch table; a press no table knows gets
the flow's "expired" answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from coaching.errors import DomainError
from coaching.services.exercises import Page
from conversations.common import END, Button, Context, esc, identity, keyboard, show
from conversations.fields import Item, call_with_id, error_text, refuse
from conversations.typed_buttons import ButtonCodec, Press

TEXT = filters.TEXT & ~filters.COMMAND

# --- wording shared by both libraries ---------------------------------------------------------

COPIED = "📄 Copied. This is the new copy."
ARCHIVED = "📦 Archived {name}."
ARCHIVE_YES = "📦 Yes, archive"
KEEP_IT = "⬅️ Keep it"
PREVIOUS = "◀️ Previous"
NEXT = "Next ▶️"
PAGE_OF = "\n\nPage {page} of {pages}"

A = TypeVar("A", bound=StrEnum)
T = TypeVar("T")
S = TypeVar("S", bound=Item)
V = TypeVar("V", bound=Item)
V_co = TypeVar("V_co", bound=Item, covariant=True)

PressHandler = Callable[[Update, Context, Press[A]], Coroutine[Any, Any, object]]
Handler = Callable[[Update, Context], Coroutine[Any, Any, object]]
ShowItem = Callable[[Update, Context, int, str], Awaitable[object]]


# --- typed buttons ----------------------------------------------------------------------------


def button_handler(
    codec: ButtonCodec[A], table: Mapping[A, PressHandler[A]], expired: str
) -> CallbackQueryHandler[Context, object]:
    """One handler for the actions of ``table``: each press goes to its action's handler."""

    async def on_button(update: Update, context: Context) -> object:
        query = update.callback_query
        press = codec.decode(query.data if query is not None else None)
        handler = table.get(press.action) if press is not None else None
        if press is None or handler is None:
            await refuse(update, expired)
            return None
        return await handler(update, context, press)

    return CallbackQueryHandler(on_button, pattern=codec.pattern(*table))


def plain(handler: Handler) -> PressHandler[Any]:
    """A table entry for a handler that reads the update itself (the detail editors)."""

    async def call(update: Update, context: Context, _press: Press[Any]) -> object:
        return await handler(update, context)

    return call


async def pressed_id(
    update: Update, press: Press[A], expired: str, call: Callable[[int, int], Awaitable[T]]
) -> T | None:
    """``call(telegram id, id)`` for the first id a press carries (see
    :func:`conversations.fields.call_with_id`)."""
    return await call_with_id(update, press.id(), expired, call)


def pager(page: Page[Any], data: Callable[[int], str]) -> list[Button]:
    """Previous and Next buttons, where there is such a page; ``data(n)`` opens page ``n``."""
    row: list[Button] = []
    if page.page > 0:
        row.append((PREVIOUS, data(page.page - 1)))
    if page.page < page.pages - 1:
        row.append((NEXT, data(page.page + 1)))
    return row


# --- the library ------------------------------------------------------------------------------


class LibraryAction(StrEnum):
    LIST = "list"
    OPEN = "open"
    NEW = "new"
    COPY = "copy"
    ARCHIVE = "arc"
    ARCHIVE_YES = "arcy"


LibraryPress = Press[LibraryAction]


class LibraryCalls(Protocol[S, V_co]):
    """The use cases a library calls (``coaching.services.library.LibraryService``)."""

    async def page(self, telegram_id: int, page: int = 0, /) -> Page[S]: ...

    async def get(self, telegram_id: int, item_id: int, /) -> V_co: ...

    async def copy(self, telegram_id: int, item_id: int, /) -> V_co: ...

    async def archive(self, telegram_id: int, item_id: int, /) -> S: ...


@dataclass(frozen=True, slots=True)
class LibraryWording:
    header: str
    """The list's first line, with ``{total}``."""
    empty: str
    new_button: str
    confirm_archive: str
    """The question before archiving, with ``{name}``."""
    idle: str
    """The answer to text typed while the list or an item is showing."""
    expired: str


@dataclass(frozen=True, kw_only=True)
class Library(Generic[S, V]):
    """List, open, copy and archive one kind of item under a callback prefix.

    Callback data: ``<prefix>:list:<page>``, ``<prefix>:open:<id>``, ``<prefix>:new``,
    ``<prefix>:copy:<id>``, ``<prefix>:arc:<id>`` (asks) and ``<prefix>:arcy:<id>`` (archives).
    """

    prefix: str
    wording: LibraryWording
    service: Callable[[Context], LibraryCalls[S, V]]
    line: Callable[[S], str]
    """An item's line in the list."""
    show_item: ShowItem
    start_new: Handler
    list_state: str
    view_state: str
    forget: Sequence[str]
    """``user_data`` keys of half-done steps, dropped when the list shows."""

    @property
    def buttons(self) -> ButtonCodec[LibraryAction]:
        return ButtonCodec(self.prefix, LibraryAction)

    def data(self, action: LibraryAction, *ids: int) -> str:
        return self.buttons.encode(action, *ids)

    def handler(self) -> CallbackQueryHandler[Context, object]:
        table: dict[LibraryAction, PressHandler[LibraryAction]] = {
            LibraryAction.LIST: self.on_list,
            LibraryAction.OPEN: self.on_open,
            LibraryAction.NEW: plain(self.start_new),
            LibraryAction.COPY: self.on_copy,
            LibraryAction.ARCHIVE: self.on_archive,
            LibraryAction.ARCHIVE_YES: self.on_archive_yes,
        }
        return button_handler(self.buttons, table, self.wording.expired)

    def idle_handler(self) -> MessageHandler[Context, object]:
        return MessageHandler(TEXT, self.on_idle_text)

    async def command(self, update: Update, context: Context) -> object:
        return await self.show_list(update, context, 0, edit=False)

    async def show_list(
        self, update: Update, context: Context, page_no: int, *, edit: bool = True, notice: str = ""
    ) -> object:
        try:
            page = await self.service(context).page(identity(update).telegram_id, page_no)
        except DomainError as error:
            if update.callback_query:
                await refuse(update, error)
            else:
                await show(update, error_text(error), edit=False)
            return END
        if context.user_data is not None:
            for key in self.forget:
                context.user_data.pop(key, None)
        head = notice + "\n\n" if notice else ""
        new = [(self.wording.new_button, self.data(LibraryAction.NEW))]
        if not page.items:
            await show(update, head + self.wording.empty, keyboard([new]), edit=edit)
            return self.list_state
        rows: list[list[Button]] = [
            [(item.name[:60], self.data(LibraryAction.OPEN, item.id))] for item in page.items
        ]
        nav = pager(page, lambda n: self.data(LibraryAction.LIST, n))
        if nav:
            rows.append(nav)
        rows.append(new)
        lines = [self.wording.header.format(total=page.total), ""]
        lines += [self.line(item) for item in page.items]
        text = head + "\n".join(lines)
        if page.pages > 1:
            text += PAGE_OF.format(page=page.page + 1, pages=page.pages)
        await show(update, text, keyboard(rows), edit=edit)
        return self.list_state

    async def on_list(self, update: Update, context: Context, press: LibraryPress) -> object:
        return await self.show_list(update, context, press.id() or 0)

    async def on_open(self, update: Update, context: Context, press: LibraryPress) -> object:
        item_id = press.id()
        if item_id is None:
            await refuse(update, self.wording.expired)
            return None
        return await self.show_item(update, context, item_id, "")

    async def on_copy(self, update: Update, context: Context, press: LibraryPress) -> object:
        twin = await pressed_id(update, press, self.wording.expired, self.service(context).copy)
        if twin is None:
            return None
        return await self.show_item(update, context, twin.id, COPIED)

    async def on_archive(self, update: Update, context: Context, press: LibraryPress) -> object:
        view = await pressed_id(update, press, self.wording.expired, self.service(context).get)
        if view is None:
            return None
        rows = [
            [
                (ARCHIVE_YES, self.data(LibraryAction.ARCHIVE_YES, view.id)),
                (KEEP_IT, self.data(LibraryAction.OPEN, view.id)),
            ]
        ]
        text = self.wording.confirm_archive.format(name=esc(view.name))
        await show(update, text, keyboard(rows))
        return self.view_state

    async def on_archive_yes(self, update: Update, context: Context, press: LibraryPress) -> object:
        archive = self.service(context).archive
        done = await pressed_id(update, press, self.wording.expired, archive)
        if done is None:
            return None
        notice = ARCHIVED.format(name=esc(done.name))
        return await self.show_list(update, context, 0, notice=notice)

    async def on_idle_text(self, update: Update, context: Context) -> object:
        await show(update, self.wording.idle, edit=False)
        return None

    async def stale(self, update: Update, context: Context) -> object:
        """Any other press under the prefix: a forged or out-of-date button."""
        await refuse(update, self.wording.expired)
        return None

    def stale_handler(self) -> CallbackQueryHandler[Context, object]:
        return CallbackQueryHandler(self.stale, pattern=rf"^{self.prefix}:")
