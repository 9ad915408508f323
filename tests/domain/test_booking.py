"""Reading a booking typed in one message: the client, the time words and the type."""

from __future__ import annotations

import pytest

from coaching.domain.booking import (
    ClientName,
    NoClientNamed,
    NoTimeGiven,
    find_type,
    read_booking,
)
from coaching.domain.enums import SessionType

CLIENTS = (
    ClientName(1, "Zed Brown"),
    ClientName(2, "Zed Adams"),
    ClientName(3, "Maria Lopez"),
    ClientName(4, "Ann Lee"),
)


@pytest.mark.parametrize(
    ("text", "ids", "when", "kind"),
    [
        ("Zed Brown tomorrow 18:00 assessment", (1,), "tomorrow 18:00", SessionType.ASSESSMENT),
        ("zed brown, tomorrow 18:00", (1,), "tomorrow 18:00", None),
        ("Zed tomorrow 18:00 training", (1, 2), "tomorrow 18:00", SessionType.TRAINING),
        ("Maria mon 7am goal setting", (3,), "mon 7am", SessionType.GOAL_SETTING),
        ("Lopez mon 7am", (3,), "mon 7am", None),
        ("tomorrow 18:00 review with Ann", (4,), "tomorrow 18:00", SessionType.REVIEW),
        ("book Ann at 18:00 nutrition", (4,), "18:00", SessionType.NUTRITION),
        ("Ann Lee in 2 days recovery session", (4,), "in 2 days", SessionType.RECOVERY),
    ],
)
def test_reads_client_time_and_type(
    text: str, ids: tuple[int, ...], when: str, kind: SessionType | None
) -> None:
    found = read_booking(text, CLIENTS)
    assert tuple(c.profile_id for c in found.clients) == ids
    assert found.when_text == when
    assert found.session_type is kind


def test_the_whole_name_beats_a_shared_first_name() -> None:
    clients = (ClientName(1, "Zed"), ClientName(2, "Zed Brown"))
    assert [c.profile_id for c in read_booking("Zed tomorrow 9am", clients).clients] == [1]


@pytest.mark.parametrize("text", ["Bob tomorrow 18:00", "tomorrow 18:00", "", "   "])
def test_no_client_named(text: str) -> None:
    with pytest.raises(NoClientNamed) as raised:
        read_booking(text, CLIENTS)
    assert "Zed tomorrow 18:00 assessment" in str(raised.value)


def test_a_client_without_a_time() -> None:
    with pytest.raises(NoTimeGiven) as raised:
        read_booking("Maria assessment", CLIENTS)
    assert raised.value.client_words == "Maria"


def test_type_words_are_whole_words() -> None:
    assert find_type("reviewer 18:00") == (None, "reviewer 18:00")
    assert find_type("Goal-setting with Ann")[0] is SessionType.GOAL_SETTING
