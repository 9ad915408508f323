"""Which updates wait on heavy work: the update processor runs only a few of them at once.

A chart is drawn in a worker process, an export's files are encoded in one, an uploaded file is
read in one; the update that asked waits seconds for it. A progress summary or a dashboard
reads a whole history. The processor (:class:`bot.updates.ChatOrderedProcessor`) lets only a
few such updates run at a time, so they never hold every slot (on PostgreSQL, every chat turn)
nor the event loop while trainers log sets. Telling them apart needs only the update: the
buttons of the flows that do such work, the commands that start it, and any uploaded file.
"""

from __future__ import annotations

from telegram import MessageEntity, Update

from conversations.dashboard import MY_CHART, PROGRESS, TRAINER_CHART
from conversations.export import EXPORT
from conversations.importer import IMPORT

HEAVY_BUTTONS = (TRAINER_CHART, MY_CHART, PROGRESS, EXPORT, IMPORT)
"""Charts and the progress summaries, the trainer's export, and the import's steps (each may
read the file again)."""

HEAVY_COMMANDS = frozenset({"mydata", "progress", "dashboard"})
"""Commands whose first answer is already heavy: the person's own data as files, a progress
summary over the whole history (about 0.4 s of queries and rules each when twenty ask at
once), a dashboard over every client."""


def heavy(update: object) -> bool:
    """Whether handling ``update`` waits on heavy work."""
    if not isinstance(update, Update):
        return False
    query = update.callback_query
    if query is not None:
        return any(codec.owns(query.data) for codec in HEAVY_BUTTONS)
    message = update.effective_message
    if message is None:
        return False
    if message.document is not None:
        return True
    commands = message.parse_entities([MessageEntity.BOT_COMMAND])
    for entity, text in commands.items():
        if entity.offset == 0:
            name = text.removeprefix("/").partition("@")[0].lower()
            return name in HEAVY_COMMANDS
    return False
