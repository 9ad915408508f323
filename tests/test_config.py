"""Settings: every bad or missing value is one clear line naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import BotMode, SettingsError, load_settings, setting_docs

GOOD_TOKEN = "123456789:" + "A" * 35
# Every setting, so none leaks in from the environment the tests run in.
ALL_VARS = tuple(doc.name for doc in setting_docs())


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
        ({"BOT_TOKEN": ""}, "BOT_TOKEN is not set: put the token from @BotFather in .env"),
        ({"BOT_TOKEN": "   "}, "BOT_TOKEN is not set: put the token from @BotFather in .env"),
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
            {
                "BOT_MODE": "webhook",
                "WEBHOOK_URL": "http://bot.example.com/hook",
                "WEBHOOK_SECRET": "s3cret",
            },
            "WEBHOOK_URL must start with https://",
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


def test_missing_token_says_where_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == "BOT_TOKEN is not set: put the token from @BotFather in .env"


def test_env_example_copied_as_it_is_asks_for_the_token(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / ".env.example"
    (tmp_path / ".env").write_text(example.read_text())
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == "BOT_TOKEN is not set: put the token from @BotFather in .env"


def test_plain_http_webhook_is_allowed_with_a_self_hosted_bot_api(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("BOT_MODE", "webhook")
    monkeypatch.setenv("WEBHOOK_URL", "http://bot.internal:8443/telegram")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret_token")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot")
    settings = load_settings()
    assert settings.webhook_url == "http://bot.internal:8443/telegram"


def test_https_webhook_needs_no_self_hosted_bot_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("BOT_MODE", "webhook")
    monkeypatch.setenv("WEBHOOK_URL", "HTTPS://bot.example.com/telegram")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret_token")
    assert load_settings().webhook_path == "telegram"
