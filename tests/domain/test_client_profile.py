"""The /newclient validators: good input is cleaned and converted, bad input is explained."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coaching.domain import client_profile as cp
from coaching.domain.enums import RelationshipType
from coaching.errors import InvalidInput

TODAY = date(2026, 11, 23)


def test_name_is_trimmed_and_limited() -> None:
    assert cp.parse_name("  Maria   Lopez ") == "Maria Lopez"
    with pytest.raises(InvalidInput, match="For example"):
        cp.parse_name("   ")
    with pytest.raises(InvalidInput, match="limit is 120"):
        cp.parse_name("A" * 121)
    with pytest.raises(InvalidInput, match="letter"):
        cp.parse_name("12345")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("maria@example.com", ("maria@example.com", None)),
        ("+44 7700 900123", (None, "+44 7700 900123")),
        ("Maria@Example.com, +1 (555) 010-9999", ("maria@example.com", "+1 (555) 010-9999")),
        ("555-0199\nm@x.io", ("m@x.io", "555-0199")),
    ],
)
def test_contact(text: str, expected: tuple[str | None, str | None]) -> None:
    assert cp.parse_contact(text) == expected


@pytest.mark.parametrize(
    "text", ["maria@", "not an email@x", "12", "call me maybe", "a@b.c, d@e.f"]
)
def test_bad_contact(text: str) -> None:
    with pytest.raises(InvalidInput, match="For example"):
        cp.parse_contact(text)


@pytest.mark.parametrize("text", ["1990-05-17", "17.05.1990", "17/05/1990", " 1990-5-17 "])
def test_date_of_birth_formats_are_day_first(text: str) -> None:
    assert cp.parse_date_of_birth(text, TODAY) == date(1990, 5, 17)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-01-01", "in the past"),
        ("2026-11-23", "in the past"),
        ("1900-01-01", "over 120"),
        ("31.02.1990", "not a real date"),
        ("05/17/1990", "not a real date"),
        ("yesterday", "can't read"),
        ("1990/05/17", "can't read"),
    ],
)
def test_bad_dates_of_birth(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        cp.parse_date_of_birth(text, TODAY)


@pytest.mark.parametrize(
    ("text", "cm"),
    [
        ("180", "180.0"),
        ("180 cm", "180.0"),
        ("1.80 m", "180.0"),
        ("1,75", "175.0"),
        ("5'11\"", "180.3"),
        ("5’11”", "180.3"),
        ("5 ft 11 in", "180.3"),
        ("6'", "182.9"),
    ],
)
def test_height(text: str, cm: str) -> None:
    assert cp.parse_height(text) == Decimal(cm)


@pytest.mark.parametrize("text", ["20", "300 cm", "9'0\"", "5'13\"", "tall", "-180"])
def test_impossible_heights(text: str) -> None:
    with pytest.raises(InvalidInput, match="For example"):
        cp.parse_height(text)


@pytest.mark.parametrize(
    ("text", "kg"),
    [("82.5", "82.50"), ("82,5 kg", "82.50"), ("180 lb", "81.65"), ("180 lbs", "81.65")],
)
def test_weight(text: str, kg: str) -> None:
    assert cp.parse_weight(text) == Decimal(kg)


def test_weight_in_the_trainers_unit() -> None:
    assert cp.parse_weight("180", default_unit="lb") == Decimal("81.65")


@pytest.mark.parametrize("text", ["5", "500 kg", "1000 lb", "heavy", "80 stone"])
def test_impossible_weights(text: str) -> None:
    with pytest.raises(InvalidInput):
        cp.parse_weight(text)


def test_body_fat_and_heart_rate() -> None:
    assert cp.parse_body_fat("18.5%") == Decimal("18.5")
    assert cp.parse_resting_hr("62 bpm") == 62
    for bad in ("1", "80", "lots"):
        with pytest.raises(InvalidInput):
            cp.parse_body_fat(bad)
    for bad in ("10", "300", "fast"):
        with pytest.raises(InvalidInput):
            cp.parse_resting_hr(bad)


def test_choices() -> None:
    assert cp.parse_fitness_level(" Intermediate ") == "intermediate"
    with pytest.raises(InvalidInput, match="beginner"):
        cp.parse_fitness_level("superhuman")
    assert cp.parse_gender("Female") == "female"
    assert cp.parse_gender("Agender") == "Agender"
    with pytest.raises(InvalidInput):
        cp.parse_gender("x" * 33)
    assert cp.parse_relationship_type("in-person") is RelationshipType.IN_PERSON
    assert cp.parse_relationship_type("Online") is RelationshipType.ONLINE
    with pytest.raises(InvalidInput):
        cp.parse_relationship_type("telepathic")


def test_lists_and_notes() -> None:
    assert cp.parse_goals("lose 5 kg, run a 10k\n deadlift 100 kg ") == [
        "lose 5 kg",
        "run a 10k",
        "deadlift 100 kg",
    ]
    with pytest.raises(InvalidInput):
        cp.parse_goals(" , ,")
    with pytest.raises(InvalidInput, match="at most 200"):
        cp.parse_injuries("x" * 201)
    assert cp.parse_medical_notes(" asthma ") == "asthma"
    with pytest.raises(InvalidInput, match="limit is 2000"):
        cp.parse_medical_notes("x" * 2001)
    with pytest.raises(InvalidInput):
        cp.parse_emergency_contact("x" * 201)


def test_draft_round_trip_from_json_values() -> None:
    draft = cp.draft_from_values(
        {
            "name": "Maria",
            "email": "maria@example.com",
            "date_of_birth": "1990-05-17",
            "height_cm": "180.3",
            "weight_kg": "81.65",
            "goals": ["run a 10k"],
            "relationship_type": "ONLINE",
        }
    )
    assert draft.name == "Maria"
    assert draft.date_of_birth == date(1990, 5, 17)
    assert draft.height_cm == Decimal("180.3")
    assert draft.goals == ("run a 10k",)
    assert draft.relationship_type is RelationshipType.ONLINE
    assert cp.draft_from_values({"name": "Bo"}).relationship_type is RelationshipType.IN_PERSON
    with pytest.raises(InvalidInput):
        cp.draft_from_values({"name": "Bo", "height_cm": "900"})


@pytest.mark.parametrize(
    ("text", "items"),
    [
        # The bot's own example: the comma inside the brackets belongs to the first injury.
        ("left knee (ACL, 2021)", ["left knee (ACL, 2021)"]),
        ("left knee (ACL, 2021), lower back pain", ["left knee (ACL, 2021)", "lower back pain"]),
        ("shoulder (rotator cuff; 2019); ankle", ["shoulder (rotator cuff; 2019)", "ankle"]),
        ("knee [meniscus, left]\nwrist", ["knee [meniscus, left]", "wrist"]),
        ("hip (labrum (torn, 2020), mild), neck", ["hip (labrum (torn, 2020), mild)", "neck"]),
        # A new line always ends an item; an unclosed bracket doesn't swallow the rest.
        ("knee (ACL\n2021)", ["knee (ACL", "2021)"]),
        ("knee (ACL, back pain", ["knee (ACL", "back pain"]),
        ("a), b", ["a)", "b"]),
        ("  ,lower back pain,, ", ["lower back pain"]),
    ],
)
def test_injuries_split_outside_brackets(text: str, items: list[str]) -> None:
    assert cp.parse_injuries(text) == items


def test_goals_split_outside_brackets_too() -> None:
    assert cp.parse_goals("deadlift 100 kg (by June, 2027), run a 10k") == [
        "deadlift 100 kg (by June, 2027)",
        "run a 10k",
    ]


def test_bracketed_injuries_survive_the_draft_round_trip() -> None:
    injuries = cp.parse_injuries("left knee (ACL, 2021), lower back pain")
    draft = cp.draft_from_values({"name": "Maria", "injuries": injuries})
    assert draft.injuries == ("left knee (ACL, 2021)", "lower back pain")
