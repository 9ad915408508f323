"""Entry point: ``python -m bot`` or ``spotter``.

Loads settings (one clear line and exit code 2 when one is missing or malformed), brings the
database schema up to date, then runs in polling or webhook mode until SIGINT or SIGTERM.
In polling mode on PostgreSQL, workers elect the one that polls (:mod:`bot.leader`).
``--help`` prints usage and every setting; any other argument is one line and exit code 2.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import textwrap

# Take PTB's future behaviour now (RetryAfter.retry_after as a timedelta) and avoid its warning.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import Update

from bot.config import BotMode, Settings, SettingsError, load_settings, setting_docs
from bot.logs import configure_logging

EXIT_CONFIG = 2
HELP_FLAGS = ("-h", "--help")
TELEGRAM_BOT_API = "https://api.telegram.org/bot"
USAGE = "usage: spotter [-h | --help]"


def help_text() -> str:
    """Usage and every setting with its default and meaning, from the Settings model."""
    lines = [
        USAGE,
        "",
        "Spotter: a Telegram bot through which personal trainers run their coaching.",
        "Brings the database schema up to date, then serves Telegram in polling or webhook",
        "mode until SIGINT or SIGTERM. `python -m bot` is the same command.",
        "",
        "options:",
        "  -h, --help  print this help and exit",
        "",
        "settings (environment variables, or lines in a .env file in the current folder;",
        "the environment wins; .env.example documents each):",
    ]
    for doc in setting_docs():
        lines.append(f"  {doc.name} (default: {doc.default})")
        lines.extend(
            textwrap.wrap(doc.meaning, width=92, initial_indent=" " * 6, subsequent_indent=" " * 6)
        )
    lines += ["", "A missing or malformed setting stops start-up with one line and exit code 2."]
    return "\n".join(lines)


def parse_arguments(arguments: list[str]) -> None:
    """Handle ``--help`` (print, exit 0); refuse anything else with one line and exit 2."""
    if not arguments:
        return
    if arguments[0] in HELP_FLAGS:
        print(help_text())
        raise SystemExit(0)
    _fail(
        f"unknown argument {arguments[0]!r}: settings come from the environment or .env "
        "(see spotter --help)"
    )


def _fail(message: str) -> None:
    print(f"spotter: {message}", file=sys.stderr)
    raise SystemExit(EXIT_CONFIG)


def migrate(settings: Settings) -> None:
    from storage.migrate import upgrade

    try:
        asyncio.run(upgrade(settings.database_url))
    except (OSError, ConnectionError) as error:
        _fail(f"DATABASE_URL: cannot reach the database: {error}")
    except Exception as error:
        _fail(f"DATABASE_URL: could not prepare the database: {type(error).__name__}: {error}")


def _worker_in_logs(settings: Settings) -> str | None:
    """Several workers share a PostgreSQL database: each log line names its worker."""
    from bot.worker import is_multi_process, worker_name

    return worker_name() if is_multi_process(settings.database_url) else None


def check_test_clock(settings: Settings) -> None:
    """A process test's clock file must hold a time before the bot starts (one line, exit 2)."""
    if settings.test_clock_file is None:
        return
    from bot.testclock import ClockFileError, read_time

    try:
        read_time(settings.test_clock_file)
    except ClockFileError as error:
        _fail(str(error))


def claim_database(settings: Settings) -> None:
    """Refuse to start a second process on the same SQLite file (one line, exit code 2)."""
    from bot.worker import DatabaseInUse, claim_sqlite

    try:
        claim_sqlite(settings.database_url)
    except DatabaseInUse as error:
        _fail(
            f"DATABASE_URL: {error.database} is in use by another Spotter process "
            f"({error.holder or 'unknown'}); SQLite serves one process, use PostgreSQL "
            "to run several workers"
        )


def run(settings: Settings) -> None:
    from bot.app import build_application
    from bot.testclock import clock_for

    clock = clock_for(settings)  # None (the system clock) unless a process test set one
    if settings.bot_mode is BotMode.POLLING and _on_postgres(settings):
        # Several workers may poll one database: one leader polls, the others stand by.
        from bot.leader import serve_polling

        asyncio.run(
            serve_polling(
                settings.database_url,
                lambda: build_application(settings, tune_runtime=True, clock=clock),
            )
        )
        return
    app = build_application(settings, tune_runtime=True, clock=clock)
    stop_signals = (signal.SIGINT, signal.SIGTERM)
    if settings.bot_mode is BotMode.POLLING:
        app.run_polling(
            allowed_updates=Update.ALL_TYPES, stop_signals=stop_signals, close_loop=True
        )
    else:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=settings.webhook_path,
            webhook_url=settings.webhook_url,
            secret_token=secret,
            max_connections=settings.webhook_max_connections,
            allowed_updates=Update.ALL_TYPES,
            stop_signals=stop_signals,
            close_loop=True,
        )


def _on_postgres(settings: Settings) -> bool:
    return settings.database_url.startswith("postgresql")


class _QuietBootstrapFailure(logging.Filter):
    """Drop PTB's report of a failed start-up request: :func:`_run_guarded` says it in one line.

    PTB logs the failure (with its traceback) and then raises it; only the raise is kept.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        prefix = record.args[0] if isinstance(record.args, tuple) and record.args else ""
        failed = "Failed run number" in str(record.msg) or "Invalid token" in str(record.msg)
        return not (failed and "(Bootstrap" in str(prefix))


def _reason(error: Exception, settings: Settings) -> str:
    """The error as one line, with the bot token (which URLs carry) masked."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text.replace(settings.bot_token.get_secret_value(), "<BOT_TOKEN>")


def _run_guarded(settings: Settings) -> None:
    from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

    quiet = _QuietBootstrapFailure()
    logging.getLogger("telegram.ext").addFilter(quiet)
    try:
        run(settings)
    except InvalidToken:
        _fail("BOT_TOKEN was refused by Telegram: check it with @BotFather.")
    except BadRequest as error:  # a NetworkError in PTB, but Telegram did answer
        _fail(f"the Telegram Bot API refused to start the bot: {_reason(error, settings)}")
    except NetworkError as error:
        # Also TimedOut. The bot never started: nothing to stop, nothing half done.
        where = settings.telegram_api_base_url or TELEGRAM_BOT_API
        _fail(f"cannot reach the Telegram Bot API at {where}: {_reason(error, settings)}")
    except TelegramError as error:
        _fail(f"the Telegram Bot API refused to start the bot: {_reason(error, settings)}")
    finally:
        logging.getLogger("telegram.ext").removeFilter(quiet)


def main() -> None:
    parse_arguments(sys.argv[1:])
    try:
        settings = load_settings()
    except SettingsError as error:
        _fail(str(error))
        return
    configure_logging(settings.log_level, worker=_worker_in_logs(settings))
    check_test_clock(settings)
    claim_database(settings)
    migrate(settings)
    _run_guarded(settings)


if __name__ == "__main__":
    main()
