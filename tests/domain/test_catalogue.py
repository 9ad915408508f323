"""The built-in exercise catalogue and the forgiving exercise search."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.domain.catalogue import (
    CATEGORIES,
    MEASURES,
    MUSCLE_GROUPS,
    CatalogueError,
    SearchCandidate,
    build_index,
    builtin_index,
    catalogue_candidates,
    check_target_fits,
    load_builtin_catalogue,
    normalise_name,
    parse_catalogue,
    search_exercises,
)
from coaching.domain.enums import Difficulty
from coaching.errors import InvalidInput

CATALOGUE = load_builtin_catalogue()
BY_SLUG = {spec.slug: spec for spec in CATALOGUE}
CANDIDATES = catalogue_candidates(CATALOGUE)


def top_slug(query: str) -> str | int | None:
    hits = search_exercises(query, CANDIDATES)
    return hits[0].key if hits else None


def top_keys(query: str, n: int = 3) -> list[str | int]:
    return [hit.key for hit in search_exercises(query, CANDIDATES, limit=n)]


# --------------------------------------------------------------------------------------------
# The shipped catalogue
# --------------------------------------------------------------------------------------------


def test_catalogue_is_large_enough() -> None:
    assert len(CATALOGUE) >= 150


@pytest.mark.parametrize(
    ("category", "minimum"),
    [
        ("barbell", 12),
        ("dumbbell", 12),
        ("machine", 12),
        ("cable", 12),
        ("bodyweight", 12),
        ("kettlebell", 12),
        ("cardio", 10),
        ("band", 1),
        ("other", 1),
    ],
)
def test_every_category_is_well_covered(category: str, minimum: int) -> None:
    counts = Counter(spec.category for spec in CATALOGUE)
    assert counts[category] >= minimum


def test_slugs_are_unique_kebab_case() -> None:
    slugs = [spec.slug for spec in CATALOGUE]
    assert len(set(slugs)) == len(slugs)
    assert all(slug == slug.lower() and " " not in slug and "_" not in slug for slug in slugs)


def test_entries_respect_the_vocabulary() -> None:
    for spec in CATALOGUE:
        assert spec.category in CATEGORIES, spec.slug
        assert spec.muscle_groups, spec.slug
        assert set(spec.muscle_groups) <= MUSCLE_GROUPS, spec.slug
        assert spec.measure in MEASURES, spec.slug
        assert isinstance(spec.difficulty, Difficulty), spec.slug


def test_no_name_or_alias_belongs_to_two_exercises() -> None:
    owner: dict[str, str] = {}
    for spec in CATALOGUE:
        for term in {normalise_name(t).replace(" ", "") for t in (spec.name, *spec.aliases)}:
            assert owner.setdefault(term, spec.slug) == spec.slug, term


@pytest.mark.parametrize(
    "slug",
    [
        "barbell-back-squat",
        "barbell-bench-press",
        "barbell-deadlift",
        "overhead-press",
        "barbell-bent-over-row",
    ],
)
def test_big_lifts_are_main_lifts(slug: str) -> None:
    assert BY_SLUG[slug].is_main_lift


@pytest.mark.parametrize(
    ("slug", "measure"),
    [
        ("plank", "time"),
        ("running", "distance_time"),
        ("rowing-machine", "distance_time"),
        ("push-up", "reps"),
        ("barbell-back-squat", "weight_reps"),
    ],
)
def test_measure_matches_how_the_exercise_is_recorded(slug: str, measure: str) -> None:
    assert BY_SLUG[slug].measure == measure


def test_accessories_are_not_main_lifts() -> None:
    assert not BY_SLUG["dumbbell-lateral-raise"].is_main_lift
    assert not BY_SLUG["plank"].is_main_lift


def test_loading_is_cached() -> None:
    assert load_builtin_catalogue() is load_builtin_catalogue()


# --------------------------------------------------------------------------------------------
# Catalogue validation
# --------------------------------------------------------------------------------------------


def _entry(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "slug": "test-press",
        "name": "Test Press",
        "aliases": ["tp"],
        "category": "barbell",
        "muscle_groups": ["chest"],
        "equipment": ["barbell"],
        "difficulty": "beginner",
        "measure": "weight_reps",
        "is_main_lift": False,
    }
    entry.update(overrides)
    return entry


def test_a_valid_document_parses() -> None:
    specs = parse_catalogue({"version": 1, "exercises": [_entry()]})
    assert specs[0].slug == "test-press"
    assert specs[0].aliases == ("tp",)
    assert specs[0].difficulty is Difficulty.BEGINNER


def test_shipped_file_survives_a_round_trip_through_the_validator() -> None:
    as_dicts = [
        {
            "slug": s.slug,
            "name": s.name,
            "aliases": list(s.aliases),
            "category": s.category,
            "muscle_groups": list(s.muscle_groups),
            "equipment": list(s.equipment),
            "difficulty": s.difficulty.value,
            "measure": s.measure,
            "is_main_lift": s.is_main_lift,
        }
        for s in CATALOGUE
    ]
    assert parse_catalogue({"version": 1, "exercises": as_dicts}) == CATALOGUE


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([_entry(), _entry(name="Other", aliases=[])], "slug is used by more than one"),
        ([_entry(category="barbel")], "unknown category 'barbel'"),
        ([_entry(muscle_groups=["pecs"])], "unknown muscle group 'pecs'"),
        ([_entry(muscle_groups=[])], "at least one muscle group"),
        ([_entry(difficulty="expert")], "unknown difficulty 'expert'"),
        ([_entry(measure="weight")], "unknown measure 'weight'"),
        ([_entry(slug="Test Press")], "kebab-case"),
        ([_entry(name="")], "'name' must be a non-empty string"),
        ([_entry(aliases="tp")], "'aliases' must be a list"),
        ([_entry(is_main_lift="yes")], "'is_main_lift' must be true or false"),
        ([_entry(colour="red")], "unknown field(s): colour"),
        ([_entry(slug="a"), _entry(slug="b", name="B", aliases=["Test-Press"])], "also used by"),
        ([{k: v for k, v in _entry().items() if k != "measure"}], "missing field(s): measure"),
        (["squat"], "must be an object"),
    ],
)
def test_invalid_entries_are_rejected_with_a_clear_error(entries: list[Any], expected: str) -> None:
    with pytest.raises(CatalogueError) as excinfo:
        parse_catalogue({"version": 1, "exercises": copy.deepcopy(entries)})
    assert expected in str(excinfo.value)


@pytest.mark.parametrize("document", [[], {"exercises": "none"}, None, {"version": 1}])
def test_a_malformed_document_is_rejected(document: object) -> None:
    with pytest.raises(CatalogueError, match="exercises"):
        parse_catalogue(document)


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Squats", "squat"),
        ("  BENCH   press ", "bench press"),
        ("Pull-Ups", "pull up"),
        ("DB curls", "dumbbell curl"),
        ("bb row", "barbell row"),
        ("KB swings", "kettlebell swing"),
        ("Farmer's Walk", "farmer walk"),
        ("Bench Presses", "bench press"),
        ("Crunches", "crunch"),
        ("Dumbbell Flies", "dumbbell fly"),
        ("Clean & Jerk", "clean and jerk"),
        ("Press", "press"),
        ("Développé couché", "developpe couche"),
        ("!!!", ""),
    ],
)
def test_normalise_name(text: str, expected: str) -> None:
    assert normalise_name(text) == expected


@given(st.text(max_size=40))
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalise_name(text)
    assert normalise_name(once) == once


# --------------------------------------------------------------------------------------------
# Search over the built-in catalogue
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected_slug"),
    [
        ("bench", "barbell-bench-press"),
        ("Bench Press", "barbell-bench-press"),
        ("benchpress", "barbell-bench-press"),
        ("rdl", "romanian-deadlift"),
        ("RDLs", "romanian-deadlift"),
        ("romanian dead lift", "romanian-deadlift"),
        ("romainan deadlift", "romanian-deadlift"),
        ("squat", "barbell-back-squat"),
        ("squats", "barbell-back-squat"),
        ("ohp", "overhead-press"),
        ("military press", "overhead-press"),
        ("pull up", "pull-up"),
        ("pullups", "pull-up"),
        ("pull-up", "pull-up"),
        ("chinups", "chin-up"),
        ("db curl", "dumbbell-biceps-curl"),
        ("bicep curls", "dumbbell-biceps-curl"),
        ("deadlift", "barbell-deadlift"),
        ("dl", "barbell-deadlift"),
        ("deadlfit", "barbell-deadlift"),
        ("dedlift", "barbell-deadlift"),
        ("front sqaut", "barbell-front-squat"),
        ("incline db press", "incline-dumbbell-press"),
        ("lat pull", "lat-pulldown"),
        ("tricep push down", "triceps-pushdown"),
        ("kettlebel swings", "kettlebell-swing"),
        ("hip thrusts", "barbell-hip-thrust"),
        ("bulgarian", "bulgarian-split-squat"),
        ("leg pres", "leg-press"),
        ("plank", "plank"),
        ("dips", "dip"),
        ("farmers walk", "farmers-carry"),
        ("face pulls", "face-pull"),
        ("seated row", "seated-cable-row"),
        ("barbel row", "barbell-bent-over-row"),
        ("bench press with dumbbells", "dumbbell-bench-press"),
        ("turkish getup", "turkish-get-up"),
        ("row erg", "rowing-machine"),
        ("assault bike", "air-bike"),
        ("jumprope", "jump-rope"),
        ("stairmaster", "stair-climber"),
        ("swim", "swimming"),
        ("running", "running"),
        ("skull crushers", "skull-crusher"),
    ],
)
def test_query_finds_the_intended_exercise_first(query: str, expected_slug: str) -> None:
    assert top_slug(query) == expected_slug


@pytest.mark.parametrize("spec", CATALOGUE, ids=lambda spec: spec.slug)
def test_every_name_and_alias_finds_its_own_exercise_exactly(spec: Any) -> None:
    for term in (spec.name, *spec.aliases):
        hits = search_exercises(term, CANDIDATES, limit=1)
        assert hits, term
        assert (hits[0].key, hits[0].exact, hits[0].score) == (spec.slug, True, 100.0), term


@pytest.mark.parametrize(
    ("query", "expected_slug"),
    [
        ("deadlfit", "barbell-deadlift"),
        ("romanian dead lfit", "romanian-deadlift"),
        ("benchpres", "barbell-bench-press"),
        ("shoulder press", "dumbbell-shoulder-press"),
        ("goblet", "goblet-squat"),
        ("preacher", "barbell-preacher-curl"),
    ],
)
def test_typos_and_partial_names_land_in_the_top_three(query: str, expected_slug: str) -> None:
    assert expected_slug in top_keys(query)


def test_a_near_miss_returns_the_closest_matches_best_first() -> None:
    hits = search_exercises("shoulder press", CANDIDATES)
    assert len(hits) >= 3
    assert all("Shoulder Press" in hit.name for hit in hits[:3])
    assert not any(hit.exact for hit in hits)
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(score < 100 for score in scores)


def test_an_exact_hit_outranks_every_fuzzy_hit() -> None:
    hits = search_exercises("bench", CANDIDATES)
    assert hits[0].exact
    assert hits[0].score == 100.0
    assert all(not hit.exact and hit.score < 100 for hit in hits[1:])


def test_a_typo_is_not_reported_as_exact() -> None:
    hits = search_exercises("deadlfit", CANDIDATES)
    assert hits[0].key == "barbell-deadlift"
    assert not hits[0].exact


@pytest.mark.parametrize(
    "query", ["xyzzy", "qwerty", "asdfgh", "pizza", "tuesday", "lorem ipsum", "", "   ", "!!!", "x"]
)
def test_garbage_finds_nothing(query: str) -> None:
    assert search_exercises(query, CANDIDATES) == []


@pytest.mark.parametrize("limit", [1, 2, 5, 10])
def test_limit_caps_the_number_of_hits(limit: int) -> None:
    assert len(search_exercises("curl", CANDIDATES, limit=limit)) == limit


def test_a_limit_below_one_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="limit"):
        search_exercises("squat", CANDIDATES, limit=0)


@given(st.text(max_size=30), st.integers(min_value=1, max_value=8))
def test_search_never_fails_and_ranks_best_first(query: str, limit: int) -> None:
    hits = builtin_index().search(query, limit)
    assert len(hits) <= limit
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.exact == (h.score == 100.0) for h in hits)
    assert len({h.key for h in hits}) == len(hits)


# --------------------------------------------------------------------------------------------
# Search over a trainer's own exercises
# --------------------------------------------------------------------------------------------

TRAINER_EXERCISES = (
    SearchCandidate(key=101, name="Landmine Press", aliases=("lm press",)),
    SearchCandidate(key=102, name="Sandbag Carry"),
    SearchCandidate(key=103, name="Barbell Back Squat", aliases=("squat",)),
)


@pytest.mark.parametrize(
    ("query", "expected_key"),
    [
        ("landmine", 101),
        ("Landmine Press", 101),
        ("lm press", 101),
        ("landmin pres", 101),
        ("sandbag", 102),
        ("squat", 103),
    ],
)
def test_a_trainers_own_exercise_is_found_by_its_database_id(query: str, expected_key: int) -> None:
    hits = search_exercises(query, TRAINER_EXERCISES)
    assert hits[0].key == expected_key


def test_custom_exercises_are_searched_alongside_the_catalogue() -> None:
    mixed = (*CANDIDATES, SearchCandidate(key=7, name="Landmine Press"))
    hits = search_exercises("landmine press", mixed)
    assert (hits[0].key, hits[0].exact) == (7, True)


def test_two_candidates_sharing_a_name_are_both_returned() -> None:
    candidates = (SearchCandidate(key=1, name="Zercher Carry"), SearchCandidate(2, "Zercher Carry"))
    assert {hit.key for hit in search_exercises("zercher carry", candidates)} == {1, 2}


def test_a_prepared_index_gives_the_same_answers() -> None:
    index = build_index(TRAINER_EXERCISES)
    assert len(index) == len(TRAINER_EXERCISES)
    assert index.search("landmine") == search_exercises("landmine", TRAINER_EXERCISES)


def test_no_candidates_means_no_hits() -> None:
    assert search_exercises("squat", []) == []


# --------------------------------------------------------------------------------------------
# Aliases that would hide a choice
# --------------------------------------------------------------------------------------------

# One-word names and aliases shared (as a word) by other exercises' names, that still pick one
# exercise: gym shorthand for the classic lift ("squat" is the back squat) or for variants that
# are all the same kind of thing ("swing", "walk").
CLASSIC_SHORTHAND = {
    "squat": "barbell-back-squat",
    "bench": "barbell-bench-press",
    "deadlift": "barbell-deadlift",
    "clean": "power-clean",
    "snatch": "power-snatch",
    "thruster": "barbell-thruster",
    "pulldown": "lat-pulldown",
    "dip": "dip",
    "bridge": "glute-bridge",
    "crunch": "crunch",
    "swing": "kettlebell-swing",
    "walk": "walking",
}


def test_a_word_many_exercises_share_is_no_hidden_shortcut() -> None:
    """A word shared by several exercises' names must ask "Which exercise?", unless it is
    classic shorthand: "row" silently became the rowing machine, with a kg load."""
    words = Counter(word for spec in CATALOGUE for word in set(normalise_name(spec.name).split()))
    for spec in CATALOGUE:
        for term in (spec.name, *spec.aliases):
            term_words = normalise_name(term).split()
            if len(term_words) != 1 or words[term_words[0]] < 3:
                continue
            assert CLASSIC_SHORTHAND.get(term_words[0]) == spec.slug, (spec.slug, term)


@pytest.mark.parametrize("query", ["row", "Row", "rows", "rowing", "press", "kickback", "lunge"])
def test_a_shared_word_is_not_an_exact_hit(query: str) -> None:
    hits = search_exercises(query, CANDIDATES)
    assert len(hits) >= 2
    assert not any(hit.exact for hit in hits)


@pytest.mark.parametrize(
    "query", ["rowing machine", "rower", "erg", "row erg", "indoor rower", "Rowing Machine"]
)
def test_the_rowing_machine_is_still_found_by_its_own_names(query: str) -> None:
    hits = search_exercises(query, CANDIDATES, limit=1)
    assert (hits[0].key, hits[0].exact) == ("rowing-machine", True)


# --------------------------------------------------------------------------------------------
# Targets that fit the measure
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "reps", "loaded", "message"),
    [
        (
            "distance_time",
            True,
            True,
            "Rowing Machine is measured by distance or time, not by reps with a load. "
            "Give a distance or time per set instead. For example: Rowing Machine 4x500m or "
            "Rowing Machine 1x20min",
        ),
        (
            "time",
            True,
            True,
            "Rowing Machine is measured by time, not by reps with a load. Give a time per set "
            "instead. For example: Rowing Machine 3x60s",
        ),
        ("distance_time", False, True, None),  # Farmer's Carry 3x40m @32kg
        ("distance_time", True, False, None),
        ("time", False, False, None),
        ("weight_reps", True, True, None),
        ("reps", True, True, None),  # Pull-up 3x8 @bw+10kg
    ],
)
def test_check_target_fits(measure: str, reps: bool, loaded: bool, message: str | None) -> None:
    if message is None:
        check_target_fits("Rowing Machine", measure, reps=reps, loaded=loaded)
        return
    with pytest.raises(InvalidInput) as caught:
        check_target_fits("Rowing Machine", measure, reps=reps, loaded=loaded)
    assert str(caught.value) == message
