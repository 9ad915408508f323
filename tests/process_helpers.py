"""What the process tests share: ``python -m bot`` as a subprocess against the fake Bot API.

:class:`BotProcess` runs the real entry point with its output captured to files; the fixtures
(``api``, ``server``, ``start_bot``) give a test a plain fake Bot API served over HTTP and a way
to start bots that are all killed at teardown. A process test module imports the fixtures it
uses by name. The rest are plain functions: the environment a bot needs, pushing a message or a
button press for long polling, and bounded waits for what the bot sends.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import pytest

from tests.fakes import Call, FakeBotAPI, FakeBotAPIServer, FakeUser
from tests.fakes.updates import callback_update, message_update

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456789:" + "P" * 35
WAIT = 20.0  # seconds; the bound on every wait in the process tests
WEBHOOK_SECRET = "process-test-secret"


class BotProcess:
    """``python -m bot`` in a subprocess, its output captured to files (no pipe to fill up)."""

    def __init__(self, env: Mapping[str, str], workdir: Path, name: str, cwd: Path) -> None:
        self.name = name
        self.stdout_path = workdir / f"{name}.stdout"
        self.stderr_path = workdir / f"{name}.stderr"
        self._stdout: IO[bytes] = self.stdout_path.open("wb")
        self._stderr: IO[bytes] = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=self._stdout,
            stderr=self._stderr,
        )

    @property
    def stdout(self) -> str:
        """Everything written to stdout so far."""
        return self.stdout_path.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        """Everything written to stderr so far (the log goes here)."""
        return self.stderr_path.read_text(errors="replace")

    @property
    def output(self) -> str:
        """stdout and stderr, for assertion messages."""
        return f"--- {self.name} stdout ---\n{self.stdout}--- {self.name} stderr ---\n{self.stderr}"

    def wait_for_output(self, text: str, timeout: float = WAIT) -> None:
        """Block until ``text`` appears in stdout or stderr; fail early if the process exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.stderr or text in self.stdout:
                return
            if self.process.poll() is not None:
                raise AssertionError(
                    f"{self.name} exited with {self.process.returncode} before logging "
                    f"{text!r}\n{self.output}"
                )
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not log {text!r} within {timeout:g}s\n{self.output}")

    def wait(self, timeout: float = WAIT) -> int:
        """Wait for the process to exit; returns its exit code."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"{self.name} still running after {timeout:g}s\n{self.output}"
            ) from None

    def kill(self) -> None:
        """SIGKILL (if still running), reap it, and close the output files."""
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=WAIT)
        finally:
            self._stdout.close()
            self._stderr.close()


@pytest.fixture
def api() -> FakeBotAPI:
    return FakeBotAPI()


@pytest.fixture
def server(api: FakeBotAPI) -> Iterator[FakeBotAPIServer]:
    with FakeBotAPIServer(api) as running:
        yield running


@pytest.fixture
def start_bot(tmp_path: Path) -> Iterator[Callable[..., BotProcess]]:
    """Start ``python -m bot`` with the given environment; all are killed at teardown."""
    started: list[BotProcess] = []

    def start(env: Mapping[str, str], *, cwd: Path = PROJECT_ROOT) -> BotProcess:
        process = BotProcess(env, tmp_path, f"bot{len(started) + 1}", cwd)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


def bot_env(server: FakeBotAPIServer, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment the entry point needs, plus PATH, and nothing else."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "BOT_MODE": "polling",
        "LOG_LEVEL": "INFO",
    }
    env.update(extra)
    return env


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, bot: BotProcess, timeout: float = WAIT) -> None:
    """Block until 127.0.0.1:port accepts connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bot.process.poll() is not None:
            raise AssertionError(f"{bot.name} exited with {bot.process.returncode}\n{bot.output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"port {port} not accepting after {timeout:g}s\n{bot.output}")


def push_text(api: FakeBotAPI, user: FakeUser, text: str) -> dict[str, Any]:
    """Queue a text message from ``user`` for long polling; returns the update dict."""
    update = message_update(
        api.next_update_id(), user, text, message_id=api.allocate_message_id(user.id)
    )
    api.push_update(update)
    return update


def press(api: FakeBotAPI, user: FakeUser, label: str) -> dict[str, Any]:
    """Queue a press of the newest button labelled ``label`` in ``user``'s chat.

    The callback query carries that message as the fake stores it now. A label matches exactly,
    or else as a unique case-insensitive substring (labels may carry emoji).
    """
    for message in reversed(api.sent_to(user.id)):
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        buttons = [b for row in rows for b in row if "callback_data" in b]
        exact = [b for b in buttons if b["text"] == label]
        loose = [b for b in buttons if label.casefold() in str(b["text"]).casefold()]
        chosen = exact[:1] or (loose if len(loose) == 1 else [])
        if chosen:
            update = callback_update(
                api.next_update_id(), user, str(chosen[0]["callback_data"]), message
            )
            api.push_update(update)
            return update
    visible = [
        [
            b.get("text")
            for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row
        ]
        for m in api.sent_to(user.id)
    ]
    raise AssertionError(f"no button {label!r} in chat {user.id}; keyboards: {visible}")


def text_to(chat_id: int, *needles: str) -> Callable[[Call], bool]:
    """A predicate: a successful call to ``chat_id`` whose resulting text contains all needles."""

    def matches(call: Call) -> bool:
        if call.error is not None or call.chat_id != chat_id or not isinstance(call.result, dict):
            return False
        text = str(call.result.get("text") or call.result.get("caption") or "")
        return all(needle in text for needle in needles)

    return matches


def wait_for_text(api: FakeBotAPI, chat_id: int, *needles: str, since: int = 0) -> Call:
    """Wait for a sendMessage or an edit to ``chat_id`` whose text contains all ``needles``."""
    predicate = text_to(chat_id, *needles)

    def found() -> Call | None:
        for call in api.calls[since:]:
            if call.method in ("sendMessage", "editMessageText") and predicate(call):
                return call
        return None

    try:
        api.wait_until(lambda: found() is not None, WAIT, f"a message to {chat_id} with {needles}")
    except AssertionError as timeout:
        raise AssertionError(f"{timeout}; recent calls:\n{api.describe_calls()}") from None
    result = found()
    assert result is not None
    return result


def assert_clean_log(bot: BotProcess) -> None:
    assert "Traceback" not in bot.output, bot.output


def run_entry(
    args: list[str], env: Mapping[str, str], cwd: Path, *, command: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the entry point to completion (each case here exits by itself) and capture it."""
    return subprocess.run(
        [*(command or [sys.executable, "-m", "bot"]), *args],
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=WAIT * 3,
        check=False,
    )


def outside_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A minimal environment for running outside the project, so no developer's .env counts."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(PROJECT_ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    }
    env.update(extra)
    return env
