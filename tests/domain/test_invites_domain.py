"""Invite tokens, their states and the guessing limit, with fixed bytes and times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from coaching.domain.enums import InviteStatus
from coaching.domain.invites import (
    MAX_FAILED_ATTEMPTS,
    MAX_PAYLOAD,
    PAYLOAD_PREFIX,
    TOKEN_BYTES,
    InviteState,
    expires_at,
    hash_token,
    invite_link,
    invite_state,
    make_token,
    minutes_blocked,
    rate_limit_message,
    start_payload,
    token_from_payload,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_token_carries_enough_randomness_and_fits_a_deep_link() -> None:
    token = make_token(bytes(range(TOKEN_BYTES)))
    assert TOKEN_BYTES * 8 >= 128
    payload = start_payload(token)
    assert payload.startswith(PAYLOAD_PREFIX)
    assert len(payload) <= MAX_PAYLOAD
    assert re.fullmatch(r"[A-Za-z0-9_-]+", payload)
    assert token_from_payload(payload) == token


def test_too_little_randomness_is_refused() -> None:
    with pytest.raises(ValueError, match=r"at least 16 random bytes"):
        make_token(b"x" * 15)


def test_only_a_hash_is_kept_and_it_is_stable() -> None:
    token = make_token(b"\x01" * 16)
    digest = hash_token(token)
    assert len(digest) == 64
    assert digest == hash_token(token)
    assert token not in digest
    assert digest != hash_token(make_token(b"\x02" * 16))


def test_link_uses_the_bot_username() -> None:
    token = make_token(b"\x03" * 16)
    assert invite_link("SpotterBot", token) == f"https://t.me/SpotterBot?start=inv_{token}"


@pytest.mark.parametrize(
    "payload",
    ["", "inv_", "inv_short", "abc_" + "A" * 30, "inv_" + "A" * 30 + "!", "inv_" + "A" * 61],
)
def test_payloads_without_a_token_shape_are_rejected(payload: str) -> None:
    assert token_from_payload(payload) is None


@pytest.mark.parametrize(
    ("status", "offset", "expected"),
    [
        (InviteStatus.OPEN, timedelta(days=-1), InviteState.VALID),
        (InviteStatus.OPEN, timedelta(0), InviteState.EXPIRED),
        (InviteStatus.OPEN, timedelta(days=1), InviteState.EXPIRED),
        (InviteStatus.USED, timedelta(days=-1), InviteState.USED),
        (InviteStatus.REVOKED, timedelta(days=-1), InviteState.REVOKED),
        (InviteStatus.DECLINED, timedelta(days=-1), InviteState.DECLINED),
        (InviteStatus.USED, timedelta(days=1), InviteState.USED),
    ],
)
def test_invite_state(status: InviteStatus, offset: timedelta, expected: InviteState) -> None:
    expiry = NOW - offset  # offset > 0 means the expiry is in the past
    assert invite_state(status, expiry, NOW) is expected


def test_expiry_is_ttl_days_later() -> None:
    assert expires_at(NOW, 7) == NOW + timedelta(days=7)
    with pytest.raises(ValueError, match="one day"):
        expires_at(NOW, 0)


def test_five_failures_block_the_next_look_up_until_the_oldest_ages_out() -> None:
    failures = [NOW - timedelta(minutes=m) for m in (9, 7, 5, 3, 1)]
    assert len(failures) == MAX_FAILED_ATTEMPTS
    assert minutes_blocked(failures[:4], NOW) == 0
    assert minutes_blocked(failures, NOW) == 1  # the 9-minute-old one ages out in a minute
    assert minutes_blocked(failures, NOW - timedelta(minutes=0)) == 1
    later = NOW + timedelta(minutes=1, seconds=1)
    assert minutes_blocked(failures, later) == 0
    fresh = [NOW - timedelta(seconds=s) for s in (50, 40, 30, 20, 10)]
    assert minutes_blocked(fresh, NOW) == 10


def test_rate_limit_message_names_the_wait() -> None:
    assert rate_limit_message(3) == "Too many invalid invite links; try again in 3 minutes."
    assert rate_limit_message(1).endswith("1 minute.")
