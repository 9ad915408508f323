"""What every use case is built from: a unit-of-work factory and a clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from coaching.clock import Clock, SystemClock
from storage.uow import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class ServiceContext:
    uow: UnitOfWorkFactory
    clock: Clock = field(default_factory=SystemClock)
    default_timezone: str = "UTC"
