"""Invite tokens and the rules around them, as pure functions.

A token is at least 128 random bits, written URL-safe so it fits a Telegram deep link
(``https://t.me/<bot>?start=inv_<token>``: the payload may hold up to 64 characters of
``A-Z a-z 0-9 _ -``). Only its SHA-256 hex digest is stored. Randomness and "now" are passed in,
so every rule here can be tested with fixed values.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from coaching.domain.enums import InviteStatus

PAYLOAD_PREFIX = "inv_"
MIN_TOKEN_BYTES = 16  # 128 bits
TOKEN_BYTES = 24  # 192 bits: 32 URL-safe characters
MAX_PAYLOAD = 64
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{22,60}$")

# After MAX_FAILED_ATTEMPTS failed look-ups within ATTEMPT_WINDOW, one account's next look-up
# (a sixth one, "more than five") is refused until the oldest failure ages out.
MAX_FAILED_ATTEMPTS = 5
ATTEMPT_WINDOW = timedelta(minutes=10)


class InviteState(StrEnum):
    """What an invite link is worth right now."""

    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"
    DECLINED = "declined"
    UNKNOWN = "unknown"


INVITE_REFUSALS: dict[InviteState, str] = {
    InviteState.EXPIRED: ("This invite link has expired. Ask your trainer to send you a new one."),
    InviteState.USED: (
        "This invite link has already been used. Each link works once; "
        "ask your trainer for a new one if you still need it."
    ),
    InviteState.REVOKED: ("Your trainer has withdrawn this invite link. Ask them for a new one."),
    InviteState.DECLINED: (
        "This invite was declined. Ask your trainer for a new link if you changed your mind."
    ),
    InviteState.UNKNOWN: (
        "I don't recognise this invite link. Check that you opened the whole link your "
        "trainer sent you, or ask them for a new one."
    ),
}


def make_token(random_bytes: bytes) -> str:
    """The URL-safe text of ``random_bytes`` (no padding). Needs at least 128 bits."""
    if len(random_bytes) < MIN_TOKEN_BYTES:
        raise ValueError(f"an invite token needs at least {MIN_TOKEN_BYTES} random bytes")
    token = base64.urlsafe_b64encode(random_bytes).decode("ascii").rstrip("=")
    if len(PAYLOAD_PREFIX) + len(token) > MAX_PAYLOAD:
        raise ValueError("the token does not fit a Telegram start payload")
    return token


def hash_token(token: str) -> str:
    """What is stored: the SHA-256 hex digest of the token."""
    return hashlib.sha256(token.encode("ascii", errors="replace")).hexdigest()


def start_payload(token: str) -> str:
    """The ``/start`` payload that carries the token."""
    return PAYLOAD_PREFIX + token


def invite_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={start_payload(token)}"


def token_from_payload(payload: str) -> str | None:
    """The token in a ``/start`` payload such as ``inv_AbC...``, or None if it has no shape."""
    text = payload.strip()
    if not text.startswith(PAYLOAD_PREFIX):
        return None
    token = text[len(PAYLOAD_PREFIX) :]
    return token if _TOKEN_SHAPE.match(token) else None


def expires_at(now: datetime, ttl_days: int) -> datetime:
    if ttl_days < 1:
        raise ValueError("an invite lives at least one day")
    return now + timedelta(days=ttl_days)


def invite_state(status: InviteStatus, expiry: datetime, now: datetime) -> InviteState:
    """Whether an invite with this status and expiry can be used at ``now``."""
    if status is InviteStatus.USED:
        return InviteState.USED
    if status is InviteStatus.REVOKED:
        return InviteState.REVOKED
    if status is InviteStatus.DECLINED:
        return InviteState.DECLINED
    if now >= expiry:
        return InviteState.EXPIRED
    return InviteState.VALID


def minutes_blocked(failed_at: Iterable[datetime], now: datetime) -> int:
    """Minutes until this account may try again (0 when it is not blocked).

    Once :data:`MAX_FAILED_ATTEMPTS` failures fall within the window, a further look-up would
    be more than that many, so it is refused; the block lifts when the oldest of them has aged
    out of the window.
    """
    recent = sorted(t for t in failed_at if now - ATTEMPT_WINDOW < t <= now)
    if len(recent) < MAX_FAILED_ATTEMPTS:
        return 0
    lifting = recent[len(recent) - MAX_FAILED_ATTEMPTS] + ATTEMPT_WINDOW
    return max(1, math.ceil((lifting - now).total_seconds() / 60))


def rate_limit_message(minutes: int) -> str:
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many invalid invite links; try again in {minutes} {unit}."
