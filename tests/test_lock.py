"""Installs are reproducible: every dependency is pinned, and both install commands use the pins.

``requirements.lock`` (runtime) and ``requirements-dev.lock`` (runtime and dev tools) are made
by ``scripts/lock`` from ``pyproject.toml``; README's run command and ``scripts/test`` install
from them. These tests catch a lock that has fallen behind ``pyproject.toml``, and an install
command that stopped using it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RUNTIME_LOCK = "requirements.lock"
DEV_LOCK = "requirements-dev.lock"


def lock_pins(name: str) -> dict[str, str]:
    """A lock file as {canonical package name: pinned version}; every line must be an ==."""
    pins: dict[str, str] = {}
    for line in (PROJECT_ROOT / name).read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1, f"{name}: not pinned: {line}"
        assert specifiers[0].operator == "==", f"{name}: not pinned: {line}"
        pins[canonicalize_name(requirement.name)] = specifiers[0].version
    return pins


def declared(group: str | None) -> list[Requirement]:
    """pyproject.toml's runtime dependencies, or one optional group's."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    raw = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return [Requirement(item) for item in raw]


@pytest.mark.parametrize(("lock", "groups"), [(RUNTIME_LOCK, [None]), (DEV_LOCK, [None, "dev"])])
def test_lock_pins_every_declared_dependency_within_its_range(
    lock: str, groups: list[str | None]
) -> None:
    pins = lock_pins(lock)
    for group in groups:
        for requirement in declared(group):
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{lock} lacks {requirement}: run scripts/lock"
            assert requirement.specifier.contains(pins[name], prereleases=True), (
                f"{lock} pins {name}=={pins[name]}, outside {requirement}: run scripts/lock"
            )


def test_runtime_and_dev_locks_agree() -> None:
    runtime, dev = lock_pins(RUNTIME_LOCK), lock_pins(DEV_LOCK)
    assert {name: dev.get(name) for name in runtime} == runtime
    for tool in ("ruff", "mypy", "pytest", "pytest-asyncio", "hypothesis"):
        assert tool in dev


def test_readme_run_command_installs_the_runtime_lock() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme[readme.index("## Run the bot") :].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1
    commands = blocks[0].strip().splitlines()
    assert len(commands) == 1, "the run command is one copy-pasteable line"
    assert "pip install --no-deps -r requirements.lock -e ." in commands[0]
    assert commands[0].endswith(".venv/bin/spotter")


def test_scripts_test_installs_the_dev_lock() -> None:
    script = (PROJECT_ROOT / "scripts" / "test").read_text()
    installs = [line for line in script.splitlines() if "pip install" in line]
    assert installs, "scripts/test installs nothing"
    assert all("--no-deps -r requirements-dev.lock -e ." in line for line in installs), installs
