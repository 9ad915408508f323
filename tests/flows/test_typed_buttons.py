"""The shared button codec: what it encodes decodes back, and nothing else decodes."""

from __future__ import annotations

from enum import StrEnum

import pytest

from conversations.typed_buttons import ButtonCodec, Press


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
