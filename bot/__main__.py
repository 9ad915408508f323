"""Entry point: ``python -m bot`` or ``spotter``.

Loads settings (one clear line and exit code 2 when one is missing or malformed), brings the
database schema up to date, then runs in polling or webhook mode until SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

# Take PTB's future behaviour now (RetryAfter.retry_after as a timedelta) and avoid its warning.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import Update

from bot.config import BotMode, Settings, SettingsError, load_settings
from bot.logs import configure_logging

EXIT_CONFIG = 2


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


def run(settings: Settings) -> None:
    from bot.app import build_application

    app = build_application(settings, tune_runtime=True)
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
            allowed_updates=Update.ALL_TYPES,
            stop_signals=stop_signals,
            close_loop=True,
        )


def _run_guarded(settings: Settings) -> None:
    from telegram.error import InvalidToken, TelegramError

    try:
        run(settings)
    except InvalidToken:
        _fail("BOT_TOKEN was refused by Telegram: check it with BotFather.")
    except TelegramError as error:
        print(f"spotter: could not talk to the Telegram Bot API: {error}", file=sys.stderr)
        raise SystemExit(1) from None


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as error:
        _fail(str(error))
        return
    configure_logging(settings.log_level)
    migrate(settings)
    _run_guarded(settings)


if __name__ == "__main__":
    main()
