"""The flows' way to the services the composition root handed to the application."""

from __future__ import annotations

from typing import Any

from telegram.ext import CallbackContext

from coaching.services.container import FlowSettings, Services


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services[FlowSettings]:
    """The services of the running application, from a handler's context."""
    found = getattr(context.application, "services", None)
    if not isinstance(found, Services):
        raise RuntimeError("the application has no services (bot.app builds and hands them in)")
    return found
