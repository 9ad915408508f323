"""The services container the composition root hands to the chat flows.

``bot.app`` builds one :class:`Services` per application with the full settings and the
service context; the flows reach it through ``conversations.container.services(context)``.
Neither the flows nor anything below them import ``bot``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from coaching.services.base import ServiceContext


class FlowSettings(Protocol):
    """The settings the flows read (the application's settings class has these and more)."""

    @property
    def invite_ttl_days(self) -> int: ...

    @property
    def session_abandon_hours(self) -> float: ...


SettingsT = TypeVar("SettingsT", bound=FlowSettings)


@dataclass
class Services(Generic[SettingsT]):
    """What handlers reach through ``context``: settings and the service context."""

    settings: SettingsT
    ctx: ServiceContext
    commands: frozenset[str] = frozenset()
    extras: dict[str, Any] = field(default_factory=dict)
