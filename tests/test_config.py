"""Settings: every bad or missing value is one clear line naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import BotMode, SettingsError, load_settings

GOOD_TOKEN = "123456789:" + "A" * 35
ALL_VARS = (
    "BOT_TOKEN",
    "DATABASE_URL",
    "TELEGRAM_API_BASE_URL",
    "BOT_MODE",
    "WEBHOOK_URL",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "WEBHOOK_SECRET",
    "DEFAULT_TIMEZONE",
    "LOG_LEVEL",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ALL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_with_only_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", GOOD_TOKEN)
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///data/spotter.db"
    assert settings.bot_mode is BotMode.POLLING
    assert settings.default_timezone == "UTC"
    assert settings.telegram_api_base_url is None
    assert settings.sqlite_path() == Path("data/spotter.db")


def test_settings_are_read_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"BOT_TOKEN={GOOD_TOKEN}\nDEFAULT_TIMEZONE=Europe/Berlin\nLOG_LEVEL=debug\n"
    )
    settings = load_settings()
    assert settings.default_timezone == "Europe/Berlin"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "BOT_TOKEN is not set"),
        ({"BOT_TOKEN": ""}, "BOT_TOKEN is invalid: is empty"),
        ({"BOT_TOKEN": "hello"}, "BOT_TOKEN is invalid: must look like 123456789:AAH"),
        (
            {"DATABASE_URL": "mysql://x"},
            "DATABASE_URL is invalid: must start with sqlite+aiosqlite:// or postgresql+asyncpg://",
        ),
        ({"TELEGRAM_API_BASE_URL": "ftp://x"}, "TELEGRAM_API_BASE_URL is invalid: must be an"),
        ({"BOT_MODE": "carrier-pigeon"}, "BOT_MODE is invalid"),
        ({"DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE is invalid: must be an IANA"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL is invalid: must be one of"),
        ({"WEBHOOK_PORT": "99999"}, "WEBHOOK_PORT is invalid"),
        ({"BOT_MODE": "webhook"}, "WEBHOOK_URL is required when BOT_MODE=webhook"),
        (
            {"BOT_MODE": "webhook", "WEBHOOK_URL": "https://example.com/hook"},
            "WEBHOOK_SECRET is required when BOT_MODE=webhook",
        ),
        (
            {"WEBHOOK_SECRET": "has spaces"},
            "WEBHOOK_SECRET is invalid: must be 1-256 characters",
        ),
    ],
)
def test_bad_settings_are_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    if "BOT_TOKEN" not in env and expected != "BOT_TOKEN is not set":
        monkeypatch.setenv("BOT_TOKEN", GOOD_TOKEN)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


def test_webhook_path_comes_from_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("BOT_MODE", "webhook")
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.com/hooks/spotter/")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret_token")
    settings = load_settings()
    assert settings.webhook_path == "hooks/spotter"
    assert settings.webhook_url == "https://bot.example.com/hooks/spotter"
