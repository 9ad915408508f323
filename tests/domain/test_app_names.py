"""The Strong/Hevy/FitNotes name table and the words that tell two exercises apart."""

from __future__ import annotations

import pytest

from coaching.domain.app_names import APP_NAMES
from coaching.domain.catalogue import (
    app_name_slug,
    crosses_variant,
    load_builtin_catalogue,
    normalise_name,
    variant_of,
)


def test_the_table_is_big_points_at_real_exercises_and_is_unambiguous() -> None:
    slugs = {spec.slug for spec in load_builtin_catalogue()}
    names = [name for group in APP_NAMES.values() for name in group]
    assert len(names) >= 150
    assert set(APP_NAMES) <= slugs
    owners: dict[str, str] = {}
    for slug, group in APP_NAMES.items():
        for name in group:
            key = normalise_name(name).replace(" ", "")
            assert owners.setdefault(key, slug) == slug, f"{name} means two exercises"


def test_no_app_name_changes_the_equipment_of_its_exercise() -> None:
    """A cardio machine is its own equipment ("Stair Machine" is the Stair Climber)."""
    by_slug = {spec.slug: spec for spec in load_builtin_catalogue()}
    for slug, group in APP_NAMES.items():
        spec = by_slug[slug]
        if spec.category == "cardio":
            continue
        for name in group:
            asked = variant_of(name)
            offered = variant_of(spec.name, spec.category)
            assert not asked.equipment or asked.equipment == offered.equipment, (name, spec.name)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Squat (Barbell)", "barbell-back-squat"),
        ("bench press (barbell)", "barbell-bench-press"),
        ("Lat Pulldown (Cable)", "lat-pulldown"),
        ("Seated Leg Curl (Machine)", "seated-leg-curl"),
        ("Chest Press (Machine)", "machine-chest-press"),
        ("Flat Barbell Bench Press", "barbell-bench-press"),
        ("Running (Treadmill)", "running"),
        ("Zottman Wiggle", None),
    ],
)
def test_app_names(name: str, slug: str | None) -> None:
    assert app_name_slug(name) == slug


@pytest.mark.parametrize(
    ("query", "name", "category", "crosses"),
    [
        ("Incline Bench Press", "Barbell Bench Press", "barbell", True),
        ("Bent Over Row (Band)", "Barbell Bent-Over Row", "barbell", True),
        ("Hanging Knee Raise", "Hanging Leg Raise", "bodyweight", True),
        ("Single Leg Standing Calf Raise", "Bodyweight Calf Raise", "bodyweight", True),
        ("Seated Dumbbell Press", "Dumbbell Shoulder Press", "dumbbell", True),
        ("Front Squat", "Barbell Back Squat", "barbell", True),
        ("Close-Grip Bench", "Barbell Bench Press", "barbell", True),
        ("Squat (Smith Machine)", "Machine Hack Squat", "machine", True),
        ("Lat Pulldown (Machine)", "Lat Pulldown", "cable", True),
        ("Bench Press", "Barbell Bench Press", "barbell", False),
        ("Leg Press (Machine)", "Leg Press", "machine", False),
        ("Incline DB Press", "Incline Dumbbell Press", "dumbbell", False),
        ("Single-Arm Cable Row", "Single Arm Cable Row", "cable", False),
    ],
)
def test_suggestions_keep_equipment_and_variant(
    query: str, name: str, category: str, crosses: bool
) -> None:
    assert crosses_variant(query, name, category) is crosses
