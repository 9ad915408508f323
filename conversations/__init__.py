"""Chat flows. Each module exposes ``build_handler()``; this registry wires them in order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module
from typing import Any

# Flows in the order they get the first look at an update. Earlier entries win when two could
# take the same update (an invite link's /start payload before the plain /start). Every handler
# a module returns gets a handler group of its own, in this order (see bot.app).
FLOW_MODULES: tuple[str, ...] = (
    "dead_ends",
    "invite",
    "newclient",
    "clients",
    "permissions",
    "directory",
    "assign",
    "schedule",
    "plan",
    "settings",
    "log",
    "templates",
    "programs",
    "exercises",
    "feedback",
    "injury",
    "mydata",
    "export",
    "importer",
    "deleteme",
    "dashboard",
    "alerts",
    "progress",
    "start",
    "profile",
    "measure",
    "threads",
)


def flow_builders() -> list[Callable[[], Sequence[Any] | Any]]:
    builders = []
    for name in FLOW_MODULES:
        module = import_module(f"conversations.{name}")
        builders.append(module.build_handler)
    return builders
