"""compose.yaml stays in step with the settings and with itself.

The bot service's environment must name real settings and, with its ``${...}`` placeholders
filled in, be a configuration the bot accepts: webhook mode on the compose file's PostgreSQL
service, listening where the proxy sends the updates. The proxy's Caddyfile must forward the
webhook's path to the workers' port.

The project has no YAML library, so the file is read with :func:`read_compose`, a reader for
the plain subset of YAML a compose file needs (block mappings and lists, quoted and flow-list
scalars, ``|`` blocks, comments). It refuses anything else (anchors, tabs, flow mappings),
so the file cannot drift into YAML this reader would get wrong.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import make_url

from bot.config import BotMode, Settings, setting_docs
from bot.worker import is_multi_process

PROJECT_ROOT = Path(__file__).resolve().parents[1]
COMPOSE = PROJECT_ROOT / "compose.yaml"
# What the person running compose exports (compose.yaml's header says so).
EXPORTED = {
    "BOT_TOKEN": "123456789:" + "C" * 35,
    "WEBHOOK_SECRET": "compose-test-secret",
    "SPOTTER_DOMAIN": "bot.example.com",
}

_Line = tuple[int, str]  # (indent, text without the indent)


class UnsupportedYaml(ValueError):
    """compose.yaml uses YAML outside the subset :func:`read_compose` reads."""


def _scalar(raw: str) -> Any:
    text = raw.strip()
    if text.startswith(("&", "*", "{", "!", "<<")):
        raise UnsupportedYaml(f"unsupported value: {raw!r}")
    if text[:1] in "\"'":
        if len(text) < 2 or text[-1] != text[0]:
            raise UnsupportedYaml(f"unterminated string: {raw!r}")
        return text[1:-1]
    if text.startswith("["):
        if not text.endswith("]"):
            raise UnsupportedYaml(f"multi-line flow list: {raw!r}")
        inner = text[1:-1].strip()
        parts = re.findall(r"\"[^\"]*\"|'[^']*'|[^,]+", inner)
        return [_scalar(part) for part in parts if part.strip()]
    if " #" in text:
        text = text.split(" #", 1)[0].rstrip()
    return text or None


def _block_scalar(raw_lines: list[str], start: int, parent_indent: int) -> tuple[str, int]:
    body: list[str] = []
    index = start
    while index < len(raw_lines):
        line = raw_lines[index]
        if line.strip() and len(line) - len(line.lstrip(" ")) <= parent_indent:
            break
        body.append(line)
        index += 1
    while body and not body[-1].strip():
        body.pop()
    indents = [len(line) - len(line.lstrip(" ")) for line in body if line.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(line[cut:] for line in body) + "\n", index


def read_compose(text: str) -> Any:
    """The document in ``text``, in the subset of YAML described in the module's docstring."""
    raw_lines = text.splitlines()
    if any("\t" in line[: len(line) - len(line.lstrip())] for line in raw_lines):
        raise UnsupportedYaml("tab in indentation")

    def significant(index: int) -> int:
        while index < len(raw_lines):
            stripped = raw_lines[index].strip()
            if stripped and not stripped.startswith("#"):
                return index
            index += 1
        return index

    def at(index: int) -> _Line:
        line = raw_lines[index]
        return len(line) - len(line.lstrip(" ")), line.strip()

    def block(index: int, indent: int) -> tuple[Any, int]:
        index = significant(index)
        if index >= len(raw_lines) or at(index)[0] < indent:
            return None, index
        if at(index)[1].startswith("- ") or at(index)[1] == "-":
            return sequence(index, indent)
        return mapping(index, indent)

    def sequence(index: int, indent: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        while index < len(raw_lines):
            own, content = at(index)
            if own != indent or not content.startswith("-"):
                break
            item = content[1:].strip()
            if re.match(r"^[\w.-]+:(\s|$)", item):
                raise UnsupportedYaml(f"mapping inside a list: {content!r}")
            items.append(_scalar(item))
            index = significant(index + 1)
        return items, index

    def mapping(index: int, indent: int) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        while index < len(raw_lines):
            own, content = at(index)
            if own < indent:
                break
            if own > indent or content.startswith("-"):
                raise UnsupportedYaml(f"unexpected indentation: {raw_lines[index]!r}")
            key, colon, rest = content.partition(":")
            if not colon or not re.fullmatch(r"[\w.-]+", key):
                raise UnsupportedYaml(f"not a 'key: value' line: {content!r}")
            if key in result:
                raise UnsupportedYaml(f"duplicate key {key!r}")
            rest = rest.strip()
            if rest == "|":
                result[key], index = _block_scalar(raw_lines, index + 1, indent)
                index = significant(index)
            elif rest and not rest.startswith("#"):
                result[key] = _scalar(rest)
                index = significant(index + 1)
            else:
                following = significant(index + 1)
                deeper = following < len(raw_lines) and at(following)[0] > indent
                list_here = following < len(raw_lines) and at(following)[1].startswith("-")
                if deeper or (list_here and at(following)[0] == indent):
                    result[key], index = block(following, at(following)[0])
                else:
                    result[key], index = None, following
        return result, index

    document, end = block(0, 0)
    if significant(end) < len(raw_lines):
        raise UnsupportedYaml(f"unread line: {raw_lines[significant(end)]!r}")
    return document


_PLACEHOLDER = re.compile(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}")


def interpolate(value: str, exported: dict[str, str]) -> str:
    """Fill in ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?message}`` as compose does."""

    def fill(match: re.Match[str]) -> str:
        name, kind, rest = match.group(1), match.group(2), match.group(3)
        if exported.get(name):
            return exported[name]
        if kind == ":-":
            return rest
        raise AssertionError(f"compose needs ${name}: {rest or 'unset'}")

    return _PLACEHOLDER.sub(fill, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = read_compose(COMPOSE.read_text())
    assert isinstance(document, dict)
    return document


def bot_environment(compose: dict[str, Any]) -> dict[str, str]:
    environment = compose["services"]["bot"]["environment"]
    assert isinstance(environment, dict), "the bot's environment is a mapping"
    return {name: interpolate(str(value), EXPORTED) for name, value in environment.items()}


def settings_of(environment: dict[str, str]) -> Settings:
    """The settings a worker would run with: this environment only (no .env, no os.environ)."""
    return Settings.model_validate({name.lower(): value for name, value in environment.items()})


def test_the_bot_environment_names_only_real_settings(compose: dict[str, Any]) -> None:
    known = {doc.name for doc in setting_docs()}
    unknown = set(compose["services"]["bot"]["environment"]) - known
    assert not unknown, f"compose.yaml sets what is not a setting: {sorted(unknown)}"


def test_the_bot_environment_is_a_webhook_worker_on_the_compose_database(
    compose: dict[str, Any],
) -> None:
    environment = bot_environment(compose)
    settings = settings_of(environment)

    assert settings.bot_mode is BotMode.WEBHOOK
    assert is_multi_process(settings.database_url), "workers share PostgreSQL"
    assert settings.webhook_listen == "0.0.0.0", "reachable by the proxy"
    assert urlsplit(settings.webhook_url or "").hostname == EXPORTED["SPOTTER_DOMAIN"]
    database = make_url(settings.database_url)
    db = compose["services"]["db"]
    db_env = {k: interpolate(str(v), EXPORTED) for k, v in db["environment"].items()}
    assert database.host == "db"
    assert database.port == 5432
    assert database.username == db_env["POSTGRES_USER"]
    assert database.password == db_env["POSTGRES_PASSWORD"]
    assert database.database == db_env["POSTGRES_DB"]
    assert compose["services"]["bot"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_proxy_sends_the_webhook_path_to_every_worker(compose: dict[str, Any]) -> None:
    environment = bot_environment(compose)
    settings = settings_of(environment)
    caddyfile = interpolate(compose["configs"]["caddyfile"]["content"], EXPORTED)

    assert caddyfile.startswith(f"{EXPORTED['SPOTTER_DOMAIN']} {{")
    assert f"handle /{settings.webhook_path} {{" in caddyfile
    assert f"dynamic a bot {settings.webhook_port} {{" in caddyfile
    assert "lb_policy round_robin" in caddyfile
    proxy = compose["services"]["proxy"]
    assert proxy["configs"] == ["caddyfile"]
    assert proxy["command"][-4:] == ["--config", "/caddyfile", "--adapter", "caddyfile"]
    assert "443:443" in proxy["ports"]


def test_several_workers_by_default(compose: dict[str, Any]) -> None:
    replicas = interpolate(str(compose["services"]["bot"]["deploy"]["replicas"]), {})
    assert int(replicas) >= 2


@pytest.mark.parametrize(
    "text",
    [
        "a: &anchor 1\n",
        "a:\n\tb: 1\n",
        "a: {b: 1}\n",
        "a:\n  - b: 1\n",
        "a: 1\na: 2\n",
    ],
)
def test_the_reader_refuses_yaml_it_does_not_read(text: str) -> None:
    with pytest.raises(UnsupportedYaml):
        read_compose(text)


def test_the_reader_reads_the_subset() -> None:
    text = (
        "# comment\n"
        "a:\n"
        "  b: 'x: y'\n"
        '  c: ["p, r", q]\n'
        "  d:\n"
        "    - one\n"
        '    - "two"\n'
        "  e: |\n"
        "    line 1\n"
        "      line 2\n"
        "f: plain # trailing\n"
        "g:\n"
    )
    assert read_compose(text) == {
        "a": {"b": "x: y", "c": ["p, r", "q"], "d": ["one", "two"], "e": "line 1\n  line 2\n"},
        "f": "plain",
        "g": None,
    }
