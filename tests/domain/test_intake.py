"""The details a trainer recorded, as the joining client reads them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from coaching.domain.enums import Units
from coaching.domain.intake import LINE_MAX, recorded_intake


def test_recorded_details_read_as_a_person_writes_them() -> None:
    lines = recorded_intake(
        {
            "contact": "maria@example.com",
            "date_of_birth": date(1990, 5, 17),
            "height_cm": Decimal("182.0"),
            "current_weight_kg": Decimal("84.00"),
            "body_fat_pct": Decimal("18.0"),
            "resting_heart_rate": 62,
            "goals": ["run a 10k", "lose 5 kg"],
            "injuries": [{"part": "Left knee", "severity": 4, "text": "ACL"}, "lower back"],
            "medical_notes": "",
            "gender": None,
        },
        Units.KG,
    )
    assert lines == (
        ("Contact", "maria@example.com"),
        ("Date of birth", "1990-05-17"),
        ("Height", "182 cm"),
        ("Weight", "84 kg"),
        ("Body fat", "18%"),
        ("Resting heart rate", "62 bpm"),
        ("Goals", "run a 10k; lose 5 kg"),
        ("Injuries", "Left knee — ACL; lower back"),
    )


def test_pounds_and_long_values() -> None:
    lines = dict(
        recorded_intake(
            {"current_weight_kg": Decimal("84.00"), "medical_notes": "x" * 2000}, Units.LB
        )
    )
    assert lines["Weight"] == "185.2 lb"
    assert len(lines["Medical notes"]) == LINE_MAX


def test_nothing_recorded() -> None:
    assert recorded_intake({"goals": [], "injuries": []}, Units.KG) == ()
