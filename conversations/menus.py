"""Command menus per role, set with ``set_my_commands`` and chat scopes.

Only commands that have a handler in the running application are listed, so a menu never
offers something the bot cannot do.
"""

from __future__ import annotations

from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from coaching.domain.enums import Role

TRAINER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("dashboard", "Today at a glance: sessions, feedback, alerts"),
    ("log", "Log a session set by set"),
    ("clients", "Your clients and their cards"),
    ("newclient", "Add a client and get an invite link"),
    ("schedule", "Book and manage sessions"),
    ("templates", "Session templates"),
    ("programs", "Programs by week"),
    ("exercises", "Exercise catalogue and your own exercises"),
    ("assign", "Assign a program to a client"),
    ("workout", "Give a client a one-off workout"),
    ("alerts", "Open alerts"),
    ("feedback", "Client feedback to review"),
    ("profile", "Your trainer profile"),
    ("export", "Export client data, templates and programs"),
    ("import", "Imported workout files and their undo"),
    ("settings", "Time zone, units, digest and alert thresholds"),
    ("help", "What Spotter can do"),
    ("cancel", "Leave the current step"),
)

CLIENT_COMMANDS: tuple[tuple[str, str], ...] = (
    ("today", "Today's session"),
    ("plan", "The next 14 days"),
    ("log", "Log your own workout"),
    ("feedback", "Tell your trainer how a session went"),
    ("injury", "Report pain or an injury"),
    ("progress", "Your progress charts"),
    ("measure", "Body measurements and photos"),
    ("trainers", "Find a trainer"),
    ("permissions", "What your trainer may see"),
    ("settings", "Time zone, units, reminders, quiet hours"),
    ("mydata", "Export everything stored about you"),
    ("import", "Imported workout files and their undo"),
    ("deleteme", "Erase your personal data"),
    ("help", "What Spotter can do"),
    ("cancel", "Leave the current step"),
)

NEWCOMER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Get started with Spotter"),
    ("help", "What Spotter can do"),
)


def commands_for(roles: Iterable[Role], available: frozenset[str]) -> list[tuple[str, str]]:
    """The menu for someone with these roles: trainer commands first, then client ones."""
    chosen: list[tuple[str, str]] = []
    seen: set[str] = set()
    role_set = set(roles)
    groups = []
    if Role.TRAINER in role_set:
        groups.append(TRAINER_COMMANDS)
    if Role.CLIENT in role_set:
        groups.append(CLIENT_COMMANDS)
    if not groups:
        groups.append(NEWCOMER_COMMANDS)
    for group in groups:
        for name, description in group:
            if name in available and name not in seen:
                chosen.append((name, description))
                seen.add(name)
    return chosen


async def set_default_menu(bot: Bot, available: frozenset[str]) -> None:
    await bot.set_my_commands(
        [BotCommand(n, d) for n, d in commands_for((), available)],
        scope=BotCommandScopeDefault(),
    )


async def set_menu_for(
    bot: Bot, chat_id: int, roles: Iterable[Role], available: frozenset[str]
) -> None:
    """Give this chat the menu of its roles. A failure here never breaks a flow."""
    try:
        await bot.set_my_commands(
            [BotCommand(n, d) for n, d in commands_for(roles, available)],
            scope=BotCommandScopeChat(chat_id),
        )
    except TelegramError:
        return
