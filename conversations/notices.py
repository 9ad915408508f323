"""Wording sent both by a flow and by the reminder dispatcher (``bot.dispatch``)."""

from __future__ import annotations

BLOCKED = "⚠️ {client} has blocked Spotter; reminders are paused until they come back."
"""To each trainer of a client who blocked the bot (seen by the membership handler in
``conversations.settings`` or by a refused reminder)."""
