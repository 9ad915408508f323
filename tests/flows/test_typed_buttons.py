"""The shared button codec: what it encodes decodes back, and nothing else decodes."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest

from conversations.typed_buttons import ButtonCodec, Press, Shape, owning_prefix


class Pick(StrEnum):
    ZONE = "z"
    ROW = "r"


PICK = ButtonCodec("pk", Pick, words=True)
ROWS = ButtonCodec("rw", Pick)


def test_ids_and_a_word_round_trip() -> None:
    data = PICK.encode(Pick.ZONE, 3, word="America/Argentina/Buenos_Aires")
    assert data == "pk:z:3:America/Argentina/Buenos_Aires"
    assert PICK.decode(data) == Press(Pick.ZONE, (3,), "America/Argentina/Buenos_Aires")
    assert PICK.decode(PICK.encode(Pick.ROW, 7, 9)) == Press(Pick.ROW, (7, 9), None)


@pytest.mark.parametrize(
    "forged",
    ["", "pk", "pk:x:1", "zz:r:1", "pk:r:-1", "pk:r:1:a b", "pk:r:a:b", "pk:r:١", "pk:r:1:é"],
)
def test_forged_data_decodes_to_nothing(forged: str) -> None:
    assert PICK.decode(forged) is None


def test_encode_refuses_what_telegram_would_not_take() -> None:
    with pytest.raises(ValueError, match=r"button word|longer than"):
        PICK.encode(Pick.ROW, 1, word="x" * 49)
    with pytest.raises(ValueError, match=r"button word|longer than"):
        PICK.encode(Pick.ROW, 1, word="123")
    with pytest.raises(ValueError, match=r"button word|longer than"):
        PICK.encode(Pick.ROW, 10**60)


def test_the_handler_pattern_matches_exactly_the_codec_buttons() -> None:
    import re

    pattern = re.compile(PICK.pattern(Pick.ZONE))
    assert pattern.match(PICK.encode(Pick.ZONE, 1, word="Europe/Paris"))
    assert not pattern.match(PICK.encode(Pick.ROW, 1))


def test_a_codec_without_words_refuses_one() -> None:
    assert ROWS.decode("rw:r:7") == Press(Pick.ROW, (7,), None)
    assert ROWS.decode("rw:r:7:x") is None
    with pytest.raises(ValueError, match="button word"):
        ROWS.encode(Pick.ROW, 7, word="x")


class Group(StrEnum):
    ACTIVE = "a"
    ENDED = "e"


GROUP = ButtonCodec("pk:ls", Group)


def test_a_prefix_with_a_colon_carries_a_word_before_the_ids() -> None:
    data = GROUP.encode(Group.ENDED, 2)
    assert data == "pk:ls:e:2"
    assert GROUP.decode(data) == Press(Group.ENDED, (2,), None)
    assert GROUP.decode("pk:ls:x:2") is None
    assert PICK.decode(data) is None


@pytest.mark.parametrize(
    ("data", "owned"),
    [
        ("pk:r:1", True),
        ("pk:", True),
        ("pk:x", True),
        ("pk", False),
        ("pkz:r:1", False),
        (None, False),
    ],
)
def test_owns_recognises_the_prefix_only(data: str | None, owned: bool) -> None:
    assert PICK.owns(data) is owned


@pytest.mark.parametrize(
    ("data", "prefix"),
    [("cl:card:3", "cl"), ("cl:ls:a:0", "cl:ls"), ("clx:1", None), ("", None), (None, None)],
)
def test_owning_prefix_picks_the_longest_prefix_the_data_carries(
    data: str | None, prefix: str | None
) -> None:
    assert owning_prefix(data, ["cl", "cl:ls", "al"]) == prefix


class Open(StrEnum):
    CLIENT = "o"
    CHART = "c"


OPEN = ButtonCodec("op", Open, bare=Open.CLIENT)


def test_a_bare_action_is_encoded_without_its_name_and_decoded_back() -> None:
    assert OPEN.encode(Open.CLIENT, 12) == "op:12"
    assert OPEN.decode("op:12") == Press(Open.CLIENT, (12,), None)
    assert OPEN.decode("op:o:12") == Press(Open.CLIENT, (12,), None)
    assert OPEN.decode(OPEN.encode(Open.CHART, 3)) == Press(Open.CHART, (3,), None)
    assert OPEN.decode("op:x:1") is None
    with pytest.raises(ValueError, match="bare"):
        OPEN.encode(Open.CLIENT)
    import re

    assert re.match(OPEN.pattern(), "op:12")
    assert re.match(OPEN.pattern(), "op:c:3")
    assert not re.match(OPEN.pattern(Open.CHART), "op:12")


@pytest.mark.parametrize(
    ("data", "shape"),
    [("pk:r", Shape.NOTHING), ("pk:r:4", Shape.ID), ("pk:r:word", Shape.WORD), ("pk:r:4:5", None)],
)
def test_a_press_fits_exactly_one_shape(data: str, shape: Shape | None) -> None:
    press = PICK.decode(data)
    assert press is not None
    assert [s for s in Shape if s.fits(press)] == ([shape] if shape else [])


def test_exactly_matches_the_bare_action_only() -> None:
    import re

    pattern = re.compile(PICK.exactly(Pick.ROW))
    assert pattern.match("pk:r")
    assert not pattern.match("pk:r:1")
    assert not pattern.match("pk:rr")


def _flow_codecs() -> list[tuple[ButtonCodec[Any], str]]:
    """Data written by hand before the flows had codecs: each must still decode, and encode
    back to the very same bytes (buttons already in chats keep working)."""
    from conversations import (
        alerts,
        clients,
        dashboard,
        directory,
        exercises,
        measure,
        newclient,
        permissions,
        profile,
        settings,
        start,
    )

    return [
        (start.START, "start:role:both"),
        (start.START, "start:tz:America/Los_Angeles"),
        (clients.CLIENTS, "cl:card:12"),
        (clients.CLIENTS, "cl:skip"),
        (clients.CLIENT_LIST, "cl:ls:z:3"),
        (exercises.EX, "ex:cat:barbell"),
        (exercises.EX, "ex:demox:9"),
        (exercises.EX, "ex:eq:none"),
        (dashboard.DB, "db:fb"),
        (dashboard.PROGRESS, "pg:44"),
        (dashboard.TRAINER_CHART, "pc:e:4:17"),
        (dashboard.MY_CHART, "mp:x"),
        (permissions.PERM, "perm:pf:3:8:all"),
        (permissions.PERM, "perm:t:3:2"),
        (profile.PROFILE, "pf:cat:weight-loss"),
        (profile.CERT, "pf:cert:rm:5"),
        (measure.MEASURE, "ms:k:w"),
        (measure.MEASURE, "ms:cp:2"),
        (directory.DIRECTORY, "dir:o:cAbc_12-xyZ9"),
        (directory.DIRECTORY, "dir:acc:31"),
        (alerts.ALERTS, "al:c:6"),
        (alerts.ACK, "ak:0:77"),
        (alerts.THRESHOLDS, "at:empty"),
        (newclient.OPTION, "nc:opt:gender:1"),
        (newclient.EDIT_FIELD, "nc:field:body_fat"),
        (newclient.CONFIRM_CODEC, "nc:create"),
        (settings.SETTINGS, "set:eve:1800"),
        (settings.SETTINGS, "set:lead:off"),
        (settings.REMINDER, "rm:plan:40"),
    ]


def test_the_flows_codecs_read_and_write_their_old_data_byte_for_byte() -> None:
    for codec, data in _flow_codecs():
        press = codec.decode(data)
        assert press is not None, data
        assert codec.encode(press.action, *press.ids, word=press.word) == data


def test_the_two_word_buttons_round_trip() -> None:
    from coaching.domain.enums import RelationshipType
    from conversations.alerts import StepButton
    from conversations.directory import RequestButton

    request = RequestButton.decode("dir:rt:p12:o")
    assert request == RequestButton("p12", RelationshipType.ONLINE)
    assert request.encode() == "dir:rt:p12:o"
    assert RequestButton.decode("dir:rt:p12:z") is None
    assert RequestButton.decode("dir:rt:p 12:o") is None
    step = StepButton.decode("at:dp:-")
    assert step == StepButton("dp", up=False)
    assert step.encode() == "at:dp:-"
    assert StepButton.decode("at:zz:+") is None
    assert StepButton.decode("at:dp:*") is None
