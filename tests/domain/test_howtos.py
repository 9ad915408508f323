"""Built-in how-tos: every catalogue exercise has one, each fits a message, the file is checked."""

from __future__ import annotations

from typing import Any

import pytest

from coaching.domain.catalogue import load_builtin_catalogue
from coaching.domain.howtos import (
    CUES_MAX,
    HowToError,
    MediaKind,
    clean_cues,
    howto_for,
    load_howtos,
    parse_howtos,
)
from coaching.errors import InvalidInput
from coaching.services.howtos import HowToView
from conversations.howto import CAPTION_MAX, HowToButton, _caption, howto_text

CATALOGUE = load_builtin_catalogue()


def test_every_built_in_exercise_has_a_how_to_and_no_other_slug_does() -> None:
    slugs = {spec.slug for spec in CATALOGUE}
    assert set(load_howtos()) == slugs
    assert len(slugs) >= 200


@pytest.mark.parametrize("spec", CATALOGUE, ids=lambda spec: spec.slug)
def test_each_how_to_has_setup_cues_muscles_and_mistakes_and_fits_a_caption(spec: Any) -> None:
    howto = howto_for(spec.slug)
    assert howto is not None
    assert howto.setup.strip()
    assert 2 <= len(howto.cues) <= 3
    assert howto.mistakes
    view = HowToView(
        exercise_id=1,
        name=spec.name,
        muscles=tuple(spec.muscle_groups),
        equipment=tuple(spec.equipment),
        howto=howto,
    )
    text = howto_text(view)
    assert "Setup:" in text
    assert "Cues:" in text
    assert "Works:" in text
    assert "Avoid:" in text
    assert len(text) <= CAPTION_MAX


def test_a_demo_with_the_longest_cues_still_fits_its_caption() -> None:
    spec = max(CATALOGUE, key=lambda s: len(howto_text(_view(s))))
    view = _view(spec, cues="x" * CUES_MAX, file_id="F", kind=MediaKind.VIDEO)
    caption, rest = _caption(view)
    assert len(caption) <= CAPTION_MAX
    assert rest is not None
    assert "Setup:" in rest


def _view(spec: Any, **demo: Any) -> HowToView:
    return HowToView(
        exercise_id=1,
        name=spec.name,
        muscles=tuple(spec.muscle_groups),
        equipment=(),
        howto=howto_for(spec.slug),
        trainer_name="Tom",
        cues=demo.get("cues"),
        file_id=demo.get("file_id"),
        media_kind=demo.get("kind"),
    )


def test_own_exercises_have_no_built_in_how_to() -> None:
    assert howto_for(None) is None
    assert howto_for("sandbag-carry-of-my-own") is None


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({}, "howtos"),
        ({"howtos": {"a": "text"}}, "entry"),
        ({"howtos": {"a": {"setup": " ", "cues": ["x", "y"], "mistakes": ["z"]}}}, "setup"),
        ({"howtos": {"a": {"setup": "s", "cues": ["x"], "mistakes": ["z"]}}}, "cues"),
        (
            {"howtos": {"a": {"setup": "s", "cues": ["x", "y", "z", "w"], "mistakes": ["z"]}}},
            "cues",
        ),
        ({"howtos": {"a": {"setup": "s", "cues": ["x", ""], "mistakes": ["z"]}}}, "cues"),
        ({"howtos": {"a": {"setup": "s", "cues": ["x", "y"], "mistakes": []}}}, "mistakes"),
    ],
)
def test_a_malformed_how_to_file_fails_loudly(document: object, field: str) -> None:
    with pytest.raises(HowToError) as error:
        parse_howtos(document)
    assert error.value.field == field


def test_cues_are_tidied_and_blank_or_long_ones_refused() -> None:
    assert clean_cues("  brace   hard \n\n knees  out ") == "brace hard\nknees out"
    for blank in ("", "   ", "\u200b\u200b", "…"):
        with pytest.raises(InvalidInput):
            clean_cues(blank)
    with pytest.raises(InvalidInput, match="under 800"):
        clean_cues("a" * (CUES_MAX + 1))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("ht:12", HowToButton(12)),
        ("ht:", None),
        ("ht:-1", None),
        ("ht:abc", None),
        ("xx:12", None),
        ("ht:" + "9" * 20, None),
    ],
)
def test_the_how_to_button_codec(data: str, expected: HowToButton | None) -> None:
    assert HowToButton.decode(data) == expected
    if expected is not None:
        assert expected.encode() == data
