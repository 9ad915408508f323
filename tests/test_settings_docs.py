"""The settings as documented (README's table, .env.example) match the Settings model.

``spotter --help`` is built from the model itself; these tests keep the two hand-written lists
from drifting away from it: every setting listed, with its real default.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import Settings, setting_docs

PROJECT_ROOT = Path(__file__).resolve().parents[1]
GOOD_TOKEN = "123456789:" + "D" * 35


def readme_settings_table() -> dict[str, str]:
    """README's settings table as {setting: default}, a default's backticks removed."""
    text = (PROJECT_ROOT / "README.md").read_text()
    header = "| setting | default | meaning |"
    assert header in text, "README has no settings table"
    rows = text[text.index(header) :].split("\n\n", 1)[0].splitlines()[2:]
    table: dict[str, str] = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        assert len(cells) == 3, f"README settings row is not three cells: {row}"
        for name in re.findall(r"`([A-Z_]+)`", cells[0]):
            table[name] = cells[1].strip("`")
    return table


def env_example() -> dict[str, str]:
    """.env.example's settings as {name: value}."""
    pairs: dict[str, str] = {}
    for line in (PROJECT_ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def test_readme_lists_every_setting_with_its_real_default() -> None:
    table = readme_settings_table()
    expected = {doc.name: doc.default for doc in setting_docs()}
    assert table == expected


def test_readme_shows_the_webhook_defaults() -> None:
    table = readme_settings_table()
    assert table["WEBHOOK_LISTEN"] == "127.0.0.1"
    assert table["WEBHOOK_PORT"] == "8443"


def test_env_example_lists_every_setting_and_nothing_else() -> None:
    assert list(env_example()) == [doc.name for doc in setting_docs()]


def test_env_example_with_a_token_gives_the_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for doc in setting_docs():
        monkeypatch.delenv(doc.name, raising=False)
    example = (PROJECT_ROOT / ".env.example").read_text()
    env_file = tmp_path / ".env"
    env_file.write_text(example.replace("\nBOT_TOKEN=\n", f"\nBOT_TOKEN={GOOD_TOKEN}\n"))

    from_example = Settings(_env_file=env_file)
    defaults = Settings(bot_token=GOOD_TOKEN, _env_file=None)

    assert from_example.model_dump() == defaults.model_dump()


def test_every_setting_has_a_meaning() -> None:
    for doc in setting_docs():
        assert doc.meaning, f"{doc.name} has no description in the Settings model"
