"""Process tests: the real entry point (``python -m bot``) against the fake Bot API over HTTP.

Each test starts the bot as a subprocess with a minimal environment, talks to it the way
Telegram would (updates queued for long polling, or POSTed to its webhook) and reads what it
sent from the :class:`~tests.fakes.http_server.FakeBotAPIServer`. Every wait is bounded, and the
subprocess is always killed at the end.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.fakes import FakeBotAPI, FakeBotAPIServer, FakeUser
from tests.fakes.updates import message_update
from tests.process_helpers import (
    PROJECT_ROOT,
    TOKEN,
    WAIT,
    WEBHOOK_SECRET,
    BotProcess,
    api,
    assert_clean_log,
    bot_env,
    free_port,
    outside_env,
    press,
    push_text,
    run_entry,
    server,
    start_bot,
    wait_for_port,
    wait_for_text,
)

pytestmark = pytest.mark.process

__all__ = ["api", "server", "start_bot"]  # the fixtures, used by name

# ---------------------------------------------------------------------------- tests


def test_polling_start_gets_the_welcome(
    api: FakeBotAPI, server: FakeBotAPIServer, tmp_path: Path, start_bot: Callable[..., BotProcess]
) -> None:
    bot = start_bot(bot_env(server, tmp_path))
    bot.wait_for_output("Spotter started")
    alice = FakeUser(1001, "Alice")

    push_text(api, alice, "/start")

    call = wait_for_text(api, alice.id, "Welcome to Spotter")
    labels = [b["text"] for row in call.result["reply_markup"]["inline_keyboard"] for b in row]
    assert any("I'm a trainer" in label for label in labels), labels
    assert any("I'm a client" in label for label in labels), labels
    assert_clean_log(bot)


def test_missing_token_exits_2_with_one_line(
    tmp_path: Path, start_bot: Callable[..., BotProcess]
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        # Run outside the project so a developer's .env cannot supply the token.
        "PYTHONPATH": str(PROJECT_ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    }
    bot = start_bot(env, cwd=tmp_path)

    assert bot.wait() == 2, bot.output
    lines = bot.stderr.splitlines()
    assert len(lines) == 1, bot.output
    assert "BOT_TOKEN" in lines[0]
    assert "Traceback" not in bot.output


def test_webhook_accepts_only_the_secret(
    api: FakeBotAPI, server: FakeBotAPIServer, tmp_path: Path, start_bot: Callable[..., BotProcess]
) -> None:
    port = free_port()
    env = bot_env(
        server,
        tmp_path,
        BOT_MODE="webhook",
        WEBHOOK_URL="https://example.com/telegram",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    bot = start_bot(env)
    wait_for_port(port, bot)
    hook = server.wait_for("setWebhook", timeout=WAIT)
    assert hook.params["url"] == "https://example.com/telegram"
    assert hook.params["secret_token"] == WEBHOOK_SECRET
    url = f"http://127.0.0.1:{port}/telegram"
    mallory, eve, alice = FakeUser(3001, "Mallory"), FakeUser(3002, "Eve"), FakeUser(3003, "Alice")

    with httpx.Client(timeout=WAIT) as client:
        wrong = client.post(
            url,
            json=message_update(1, mallory, "/start"),
            headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
        )
        missing = client.post(url, json=message_update(2, eve, "/start"))
        right = client.post(
            url,
            json=message_update(3, alice, "/start"),
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        )

    assert wrong.status_code == 403, wrong.text
    assert missing.status_code == 403, missing.text
    assert right.status_code == 200, right.text
    wait_for_text(api, alice.id, "Welcome to Spotter")
    # Updates are handled in order, so the rejected ones would have been answered by now.
    assert api.sent_to(mallory.id) == []
    assert api.sent_to(eve.id) == []
    assert_clean_log(bot)


def test_sigterm_stops_cleanly(
    api: FakeBotAPI, server: FakeBotAPIServer, tmp_path: Path, start_bot: Callable[..., BotProcess]
) -> None:
    bot = start_bot(bot_env(server, tmp_path))
    bot.wait_for_output("Spotter started")
    push_text(api, FakeUser(1001, "Alice"), "/start")
    wait_for_text(api, 1001, "Welcome to Spotter")

    bot.process.send_signal(signal.SIGTERM)

    assert bot.wait() == 0, bot.output
    assert_clean_log(bot)


def test_sigkill_between_steps_resumes_the_conversation(
    api: FakeBotAPI, server: FakeBotAPIServer, tmp_path: Path, start_bot: Callable[..., BotProcess]
) -> None:
    env = bot_env(server, tmp_path)
    first = start_bot(env)
    first.wait_for_output("Spotter started")
    tina, bystander = FakeUser(2001, "Tina"), FakeUser(2999, "Bea")

    push_text(api, tina, "/start")
    wait_for_text(api, tina.id, "Welcome to Spotter")
    press(api, tina, "I'm a trainer")
    wait_for_text(api, tina.id, "time zone")
    # Updates are handled one at a time: once the bystander is answered, Tina's turn (and its
    # state flush) is complete. Only then is the kill "between two steps".
    push_text(api, bystander, "/start")
    wait_for_text(api, bystander.id, "Welcome to Spotter")

    first.process.send_signal(signal.SIGKILL)
    assert first.wait() == -signal.SIGKILL

    second = start_bot(env)
    second.wait_for_output("Spotter started")
    mark = len(api.calls)
    press(api, tina, "Europe/London")
    done = wait_for_text(api, tina.id, "All set", since=mark)
    assert "trainer" in done.result["text"], done.result

    mark = len(api.calls)
    push_text(api, tina, "/start")
    call = api.wait_for(
        "sendMessage", lambda c: c.chat_id == tina.id and c.error is None, WAIT, since=mark
    )
    reply = call.result
    labels = [
        b["text"]
        for row in (reply.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
    ]
    assert not any("I'm a trainer" in label for label in labels), reply
    assert "Welcome to Spotter" not in reply.get("text", ""), reply
    assert_clean_log(second)


# ---------------------------------------------------------------- start-up and arguments


def test_unreachable_bot_api_is_one_line_and_exit_2(tmp_path: Path) -> None:
    # A well-formed token and no network: nothing listens on this port.
    base_url = f"http://127.0.0.1:{free_port()}/bot"
    env = outside_env(tmp_path, BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=base_url)

    done = run_entry([], env, tmp_path)

    assert done.returncode == 2, done
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"spotter: cannot reach the Telegram Bot API at {base_url}: ")
    assert "Spotter stopped" not in done.stderr
    assert TOKEN not in done.stderr
    assert done.stdout == ""


def test_env_example_copied_as_it_is_asks_for_the_token(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((PROJECT_ROOT / ".env.example").read_text())
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(PROJECT_ROOT)}

    done = run_entry([], env, tmp_path)

    assert done.returncode == 2, done
    assert done.stderr == "spotter: BOT_TOKEN is not set: put the token from @BotFather in .env\n"
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "bot", "--help"],
        ["-m", "bot", "-h"],
        ["spotter", "--help"],
    ],
)
def test_help_prints_usage_and_every_setting(tmp_path: Path, command: list[str]) -> None:
    from bot.config import setting_docs

    if command[0] == "spotter":
        entry = [str(Path(sys.executable).parent / "spotter")]
    else:
        entry = [sys.executable, *command[:2]]
    # No token and no .env: help needs neither, and starts nothing.
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(PROJECT_ROOT)}

    done = run_entry(command[-1:], env, tmp_path, command=entry)

    assert done.returncode == 0, done
    assert done.stderr == ""
    assert done.stdout.startswith("usage: spotter")
    for doc in setting_docs():
        assert f"{doc.name} (default: {doc.default})" in done.stdout
    assert "WEBHOOK_LISTEN (default: 127.0.0.1)" in done.stdout
    assert "WEBHOOK_PORT (default: 8443)" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_unknown_argument_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = run_entry(["--verbose"], outside_env(tmp_path, BOT_TOKEN=TOKEN), tmp_path)

    assert done.returncode == 2, done
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("spotter: unknown argument '--verbose'")
    assert "spotter --help" in lines[0]
    assert not (tmp_path / "bot.db").exists()


def test_plain_http_webhook_url_is_refused_at_start(tmp_path: Path) -> None:
    env = outside_env(
        tmp_path,
        BOT_TOKEN=TOKEN,
        BOT_MODE="webhook",
        WEBHOOK_URL="http://bot.example.com/telegram",
        WEBHOOK_SECRET=WEBHOOK_SECRET,
    )

    done = run_entry([], env, tmp_path)

    assert done.returncode == 2, done
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "WEBHOOK_URL must start with https://" in lines[0]
    assert not (tmp_path / "bot.db").exists()


def test_plain_http_webhook_is_left_to_a_self_hosted_bot_api(
    api: FakeBotAPI, server: FakeBotAPIServer, tmp_path: Path, start_bot: Callable[..., BotProcess]
) -> None:
    # With TELEGRAM_API_BASE_URL set, Spotter registers the http:// URL; whether to post there
    # is the Bot API server's call. The fake answers as Telegram's own servers do, refusing it,
    # and that refusal is one line and exit code 2.
    port = free_port()
    env = bot_env(
        server,
        tmp_path,
        BOT_MODE="webhook",
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    bot = start_bot(env)

    assert bot.wait() == 2, bot.output
    hook = server.wait_for("setWebhook", timeout=WAIT)
    assert hook.params["url"] == f"http://127.0.0.1:{port}/telegram"
    last = bot.stderr.splitlines()[-1]
    assert last.startswith("spotter: the Telegram Bot API refused to start the bot: "), bot.output
    assert "https url must be provided" in last.lower()
    assert_clean_log(bot)
