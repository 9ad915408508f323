"""Settings read from the environment and an optional ``.env`` file (pydantic-settings).

Every setting is documented in ``.env.example``. A missing or malformed setting is reported as
one line naming it, and the process exits with code 2 (see ``bot.__main__``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError, PydanticUndefined
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.db import DEFAULT_DATABASE_URL

TOKEN_PATTERN = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{30,64}$")
LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")
"""Where a test double of the Bot API runs: the only place a test clock is accepted."""


class BotMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class Settings(BaseSettings):
    """Runtime configuration. Names are the environment variables, upper-cased."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # Each description is the setting's meaning in `spotter --help`; README and .env.example
    # list the same settings and defaults (tests/test_settings_docs.py keeps them in step).
    bot_token: Annotated[SecretStr, Field(description="the token from @BotFather")]
    database_url: Annotated[
        str,
        Field(
            description="where data lives: a SQLite file (sqlite+aiosqlite:///path), "
            "or postgresql+asyncpg://user:password@host:5432/spotter"
        ),
    ] = DEFAULT_DATABASE_URL
    telegram_api_base_url: Annotated[
        str | None,
        Field(
            description="Bot API base URL of a self-hosted Bot API server or a test double, "
            "e.g. http://127.0.0.1:8081/bot; unset: Telegram's own servers"
        ),
    ] = None
    bot_mode: Annotated[BotMode, Field(description="how updates arrive: polling or webhook")] = (
        BotMode.POLLING
    )
    webhook_url: Annotated[
        str | None,
        Field(
            description="webhook mode: the public https:// URL Telegram posts updates to; "
            "its path is the path the bot serves"
        ),
    ] = None
    webhook_listen: Annotated[
        str, Field(description="webhook mode: the address the bot's web server listens on")
    ] = "127.0.0.1"
    webhook_port: Annotated[
        int,
        Field(ge=1, le=65535, description="webhook mode: the port the bot's web server uses"),
    ] = 8443
    webhook_secret: Annotated[
        SecretStr | None,
        Field(
            description="webhook mode (required there): the secret Telegram sends with each "
            "update; 1-256 characters of A-Z a-z 0-9 _ -"
        ),
    ] = None
    webhook_max_connections: Annotated[
        int,
        Field(
            ge=1,
            le=100,
            description="webhook mode: how many requests Telegram may have open to the bot at "
            "once (1-100), across all workers behind the proxy",
        ),
    ] = 40
    default_timezone: Annotated[
        str, Field(description="time zone of new users until they choose (an IANA name)")
    ] = "UTC"
    log_level: Annotated[
        str,
        Field(
            description="DEBUG, INFO, WARNING, ERROR or CRITICAL; "
            "DEBUG logs one line per handled update"
        ),
    ] = "INFO"
    invite_ttl_days: Annotated[
        int, Field(ge=1, le=90, description="days an invite link stays valid (1-90)")
    ] = 7
    reminder_scan_seconds: Annotated[
        float,
        Field(gt=0, le=3600, description="how often, in seconds, due reminders are looked for"),
    ] = 30.0
    session_abandon_hours: Annotated[
        float,
        Field(
            gt=0,
            le=72,
            description="hours after which an open live session is closed as incomplete",
        ),
    ] = 4.0
    max_concurrent_updates: Annotated[
        int,
        Field(
            ge=1,
            le=1024,
            description="updates handled at once (1-1024); one chat's updates stay in order",
        ),
    ] = 64
    bulk_sends_per_second: Annotated[
        float,
        Field(
            gt=0,
            le=30,
            description="messages a second that jobs (reminders, notices, digests) may send, "
            "at most 30; the rest of Telegram's 30 a second is kept for replies",
        ),
    ] = 20.0
    test_clock_file: Annotated[
        Path | None,
        Field(
            description="tests only: a file holding the time the bot takes as now (ISO 8601), "
            "which a process test moves; refused unless TELEGRAM_API_BASE_URL is on 127.0.0.1"
        ),
    ] = None

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            # Reported like a missing token: .env.example copied as it is has BOT_TOKEN= empty.
            raise PydanticCustomError("empty", "is empty")
        if not TOKEN_PATTERN.match(value.get_secret_value().strip()):
            raise ValueError("must look like 123456789:AAH..., as BotFather gives it")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg://, "
                "e.g. sqlite+aiosqlite:///data/spotter.db"
            )
        return value

    @field_validator("telegram_api_base_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http(s) URL, e.g. http://127.0.0.1:8081/bot")
        return value.rstrip("/")

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/London") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or value.get_secret_value() == "":
            return None
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.bot_mode is BotMode.WEBHOOK:
            if not self.webhook_url:
                raise ValueError("WEBHOOK_URL is required when BOT_MODE=webhook")
            if self.webhook_secret is None:
                raise ValueError("WEBHOOK_SECRET is required when BOT_MODE=webhook")
            plain = urlparse(self.webhook_url).scheme.lower() != "https"
            if plain and not self.telegram_api_base_url:
                # Telegram's own servers post updates only to HTTPS; a self-hosted Bot API
                # server (TELEGRAM_API_BASE_URL) may post over plain HTTP.
                raise ValueError(
                    "WEBHOOK_URL must start with https://: Telegram posts updates only to "
                    "HTTPS (plain http:// works only with a self-hosted Bot API server set in "
                    "TELEGRAM_API_BASE_URL)"
                )
        return self

    @field_validator("test_clock_file", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if value in (None, "") else value

    @model_validator(mode="after")
    def _test_clock_only_locally(self) -> Settings:
        if self.test_clock_file is None:
            return self
        host = urlparse(self.telegram_api_base_url or "").hostname
        if host not in LOCAL_HOSTS:
            raise ValueError(
                "TEST_CLOCK_FILE is for tests against a local fake Bot API only: it needs "
                "TELEGRAM_API_BASE_URL on 127.0.0.1, e.g. http://127.0.0.1:8081/bot"
            )
        return self

    @property
    def webhook_path(self) -> str:
        """The path the webhook server listens on: the path part of WEBHOOK_URL."""
        path = urlparse(self.webhook_url or "").path.strip("/")
        return path or "telegram"

    def sqlite_path(self) -> Path | None:
        """The database file when the URL names a SQLite file, else None."""
        prefix = "sqlite+aiosqlite:///"
        if not self.database_url.startswith(prefix):
            return None
        raw = self.database_url[len(prefix) :].split("?", 1)[0]
        if raw in ("", ":memory:"):
            return None
        return Path(raw)


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


def describe_validation_error(error: ValidationError) -> str:
    """Turn pydantic's report into one line that names the first bad setting."""
    first = error.errors()[0]
    loc = first.get("loc") or ()
    name = str(loc[0]).upper() if loc else ""
    message = str(first.get("msg", "is invalid"))
    message = message.removeprefix("Value error, ")
    if first.get("type") in ("missing", "empty"):
        if name == "BOT_TOKEN":
            return "BOT_TOKEN is not set: put the token from @BotFather in .env"
        return f"{name} is not set: put it in the environment or in .env (see .env.example)."
    if name:
        return f"{name} is invalid: {message}."
    return f"Configuration error: {message}."


def load_settings(**overrides: object) -> Settings:
    """Load settings, raising :class:`SettingsError` with one clear line on failure."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None


@dataclass(frozen=True, slots=True)
class SettingDoc:
    """One setting as ``spotter --help``, README and ``.env.example`` describe it."""

    name: str
    default: str
    meaning: str


def setting_docs() -> list[SettingDoc]:
    """Every setting, in declaration order: its variable name, its default as text, its meaning.

    The default is ``required`` for a setting without one and ``unset`` for one that is off
    unless given; otherwise it is the value as you would write it in ``.env``.
    """
    docs = []
    for field_name, field in Settings.model_fields.items():
        default = field.default
        if field.is_required() or default is PydanticUndefined:
            text = "required"
        elif default is None:
            text = "unset"
        elif isinstance(default, StrEnum):
            text = default.value
        elif isinstance(default, float):
            text = f"{default:g}"
        else:
            text = str(default)
        docs.append(SettingDoc(field_name.upper(), text, field.description or ""))
    return docs
