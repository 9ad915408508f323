"""Console logging: one line per record, exceptions folded into that line.

No traceback reaches the console; an exception shows as its type, message and the innermost
frame of our own code, which is enough to find it.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

NOISY_LOGGERS = ("httpx", "httpcore", "apscheduler", "alembic", "aiosqlite", "asyncio")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class OneLineFormatter(logging.Formatter):
    """``worker`` (several workers on one database) goes in every line, to tell them apart."""

    def __init__(self, worker: str | None = None) -> None:
        who = f"[{worker}] " if worker else ""
        super().__init__(f"%(asctime)s %(levelname)s {who}%(name)s: %(message)s")

    def formatException(self, ei: ExcInfo | tuple[None, None, None]) -> str:
        _type, error, tb = ei
        if error is None:
            return ""
        where = ""
        frames = traceback.extract_tb(tb) if tb is not None else []
        own = [f for f in frames if "site-packages" not in f.filename] or frames
        if own:
            last = own[-1]
            where = f" at {last.filename.rsplit('/', 2)[-2:][-1]}:{last.lineno} in {last.name}"
        return f"{type(error).__name__}: {error}{where}"

    def format(self, record: logging.LogRecord) -> str:
        record.exc_text = None
        message = super().format(record)
        return " | ".join(line for line in message.splitlines() if line.strip())

    def formatStack(self, stack_info: str) -> str:
        return ""


def configure_logging(level: str, *, worker: str | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter(worker))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level))
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
