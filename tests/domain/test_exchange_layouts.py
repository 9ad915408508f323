"""Every export layout read from fixture files: Strong (current, legacy, localised), Hevy (kg and
lbs), FitNotes; bad rows listed, not fatal; the unit question; Spotter's own Strong CSV read back.

The fixtures live in tests/fixtures/imports (see its README). The localised Strong headers in
them were written from what we know of Strong's French, German, Spanish, Italian and Portuguese
translations, not copied from real files.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coaching.domain.enums import SetType, Units
from coaching.domain.exchange import (
    BadRow,
    FileProblem,
    History,
    HistoryFormat,
    LoggedExercise,
    LoggedSet,
    Workout,
    parse_duration,
    read_history,
    write_hevy,
    write_strong,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"
UTC_ZONE = ZoneInfo("UTC")
LONDON = ZoneInfo("Europe/London")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def sets_of(history: History) -> list[tuple[object, ...]]:
    return [
        (e.name, s.set_type, s.weight_kg, s.reps, s.rpe, s.distance_m, s.duration_s, s.unit)
        for w in history.workouts
        for e in w.exercises
        for s in e.sets
    ]


def test_strong_current_layout_with_bom_crlf_rest_timers_and_a_bad_row() -> None:
    data = fixture("strong_current.csv")
    assert data.startswith(b"\xef\xbb\xbfDate,")
    assert b"\r\n" in data
    history = read_history(data, LONDON)
    assert history.format is HistoryFormat.STRONG
    assert history.unit_missing
    assert history.rest_rows == 2, "rest-timer rows are not sets"
    assert history.bad_rows == (BadRow(12, "the reps 877777 is more than 1000."),)
    push, run, legs = history.workouts
    assert push.title == "🔥 Push Day"
    assert push.start == datetime(2024, 3, 4, 18, 2, 11, tzinfo=UTC)
    assert push.end == push.start + timedelta(hours=2, minutes=18)
    assert push.notes == "Felt strong"
    bench = push.exercises[0]
    assert bench.notes == "Warm up slowly\nthen go heavy"
    assert [(s.set_type, s.weight_kg, s.reps, s.rpe) for s in bench.sets] == [
        (SetType.WARMUP, Decimal("40.000"), 10, None),
        (SetType.NORMAL, Decimal("80.000"), 5, Decimal("8.0")),
        (SetType.NORMAL, Decimal("82.500"), 5, Decimal("8.5")),
    ]
    plank = push.exercises[2].sets[0]
    assert (plank.weight_kg, plank.reps, plank.duration_s) == (None, None, 60)
    assert run.end == run.start + timedelta(minutes=45)
    assert run.exercises[0].sets[0].distance_m == Decimal("5200.00")
    assert [s.reps for s in legs.exercises[0].sets] == [5, 5], "the bad row is left out"
    assert history.set_count == 8


def test_strong_current_layout_in_pounds_when_the_person_says_so() -> None:
    history = read_history(fixture("strong_current.csv"), LONDON, Units.LB)
    bench = history.workouts[0].exercises[0]
    assert bench.sets[1].weight_kg == Decimal("36.287")  # 80 lb
    assert bench.sets[1].unit is Units.LB
    run = history.workouts[1].exercises[0].sets[0]
    assert run.distance_m == Decimal("8368.59"), "distances follow: 5.2 miles"


def test_strong_legacy_layout_mixes_kg_and_lbs_and_lists_the_bad_row() -> None:
    history = read_history(fixture("strong_legacy.csv"), UTC_ZONE)
    assert not history.unit_missing
    upper, cardio, lower = history.workouts
    bench = upper.exercises[0]
    assert [(s.weight_kg, s.unit) for s in bench.sets] == [
        (Decimal("60.000"), Units.KG),
        (Decimal("61.235"), Units.LB),
    ]
    assert upper.exercises[2].sets[0].weight_kg == Decimal("45.359")
    bike, rower = cardio.exercises
    assert bike.sets[0].distance_m == Decimal("16093.44")
    assert rower.sets[0].distance_m == Decimal("2000.00")
    assert cardio.notes == "Windy"
    assert history.bad_rows == (BadRow(8, "the weight “heavy” is not a number (like 82.5)."),)
    assert [s.weight_kg for s in lower.exercises[0].sets] == [Decimal("140.000")]


@pytest.mark.parametrize("language", ["fr", "de", "es", "it", "pt"])
def test_localised_strong_headers_are_read(language: str) -> None:
    history = read_history(fixture(f"strong_{language}.csv"), UTC_ZONE)
    assert history.format is HistoryFormat.STRONG
    (workout,) = history.workouts
    (squat,) = workout.exercises
    assert squat.name == "Squat (Barbell)"
    assert [(s.weight_kg, s.reps) for s in squat.sets] == [
        (Decimal("100.000"), 5),
        (Decimal("102.500"), 5),
    ]
    assert squat.sets[0].rpe == Decimal("8.0")
    assert workout.end == workout.start + timedelta(hours=1, minutes=2)
    assert history.rest_rows == 1
    assert history.bad_rows == ()


def test_hevy_in_kilograms_with_set_types_and_an_interleaved_superset() -> None:
    history = read_history(fixture("hevy_kg.csv"), UTC_ZONE)
    assert history.format is HistoryFormat.HEVY
    (workout,) = history.workouts
    assert workout.title == "Leg Day 🦵"
    assert workout.notes == "Heavy, short rests"
    assert workout.end == datetime(2025, 1, 12, 18, 45, tzinfo=UTC)
    squat, extension, curl, treadmill = workout.exercises
    assert [s.set_type for s in squat.sets] == [SetType.WARMUP, SetType.NORMAL, SetType.DROP]
    assert extension.name == "Leg Extension (Machine)"
    assert [(s.set_type, s.reps) for s in extension.sets] == [
        (SetType.NORMAL, 12),
        (SetType.FAILURE, 10),
    ]
    assert [s.reps for s in curl.sets] == [12, 11]
    assert treadmill.sets[0].distance_m == Decimal("2500.00")


def test_hevy_in_pounds_and_miles() -> None:
    history = read_history(fixture("hevy_lbs.csv"), UTC_ZONE)
    (workout,) = history.workouts
    bench, run = workout.exercises
    assert bench.notes == "Pause on chest"
    assert [(s.weight_kg, s.unit, s.rpe) for s in bench.sets] == [
        (Decimal("102.058"), Units.LB, Decimal("8.0")),
        (Decimal("102.058"), Units.LB, Decimal("8.5")),
    ]
    assert run.sets[0].distance_m == Decimal("4988.97")
    assert not history.unit_missing


def test_fitnotes_recovers_unquoted_commas_and_reads_both_units() -> None:
    history = read_history(fixture("fitnotes.csv"), UTC_ZONE)
    assert history.format is HistoryFormat.FITNOTES
    first, second = history.workouts
    assert first.start == datetime(2018, 2, 10, tzinfo=UTC)
    assert [e.name for e in first.exercises] == [
        "Flat Barbell Bench Press",
        "Overhead Press (Each Side, Dumbbells)",
    ]
    press = first.exercises[1]
    assert [(s.weight_kg, s.unit) for s in press.sets] == [
        (Decimal("22.500"), Units.KG),
        (Decimal("22.680"), Units.LB),
    ]
    run = second.exercises[0].sets[0]
    assert (run.distance_m, run.duration_s) == (Decimal("5000.00"), 1650)
    assert history.set_count == 6


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("2h 18m", 8280), ("45m", 2700), ("1h", 3600), ("0:27:30", 1650), ("", None), ("soon", None)],
)
def test_durations(text: str, seconds: int | None) -> None:
    assert parse_duration(text) == seconds


def test_line_numbers_count_multi_line_notes() -> None:
    data = (
        b"Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,"
        b'Workout Notes,RPE\n2024-01-01 10:00:00,A,1h,Squat,1,100,5,0,0,"one\ntwo\nthree",,\n'
        b"2024-01-01 10:00:00,A,1h,Squat,2,100,lots,0,0,,,\n"
    )
    history = read_history(data, UTC_ZONE)
    assert history.bad_rows == (BadRow(5, "the reps “lots” is not a number (like 8)."),)


def test_a_file_of_only_bad_rows_is_refused_with_the_first_reason() -> None:
    data = (
        b"Date,Exercise,Category,Weight,Weight Unit,Reps,Distance,Distance Unit,Time\n"
        b"2018-02-10,Squat,Legs,80,stones,5,,,\n2018-02-11,Squat,Legs,80,stones,5,,,\n"
    )
    with pytest.raises(FileProblem) as caught:
        read_history(data, UTC_ZONE)
    assert str(caught.value) == (
        "Line 2: the weight unit “stones” is not kg or lbs. None of the other 1 rows can be read "
        "either."
    )


def test_ten_thousand_sets_with_every_hundredth_row_bad() -> None:
    rng = random.Random(15)
    rows = [
        "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,"
        "Workout Notes,RPE"
    ]
    start = datetime(2020, 1, 1, 18, 0)
    for index in range(10_000):
        day = start + timedelta(days=index // 10)
        reps = "877777" if index % 100 == 99 else f"{rng.randint(1, 12)}.0"
        rows.append(
            f"{day:%Y-%m-%d %H:%M:%S},Day {index // 10},1h 5m,Lift {index % 5},{index % 10 + 1},"
            f"{rng.randint(20, 200)},{reps},0,0,,,"
        )
    history = read_history("\n".join(rows).encode(), UTC_ZONE)
    assert len(history.workouts) == 1000
    assert history.set_count == 9900
    assert len(history.bad_rows) == 100
    assert history.bad_rows[0].line == 101


# --- Spotter's own exports read back ---------------------------------------------------------

_weights = st.one_of(
    st.none(),
    st.decimals(min_value=Decimal("0.5"), max_value=Decimal(400), places=1),
)


@st.composite
def workouts(draw: st.DrawFn) -> tuple[Workout, ...]:
    count = draw(st.integers(min_value=1, max_value=4))
    found = []
    for index in range(count):
        start = datetime(2025, 1, 1, 8, 0, tzinfo=UTC) + timedelta(
            days=index, seconds=draw(st.integers(min_value=0, max_value=80_000))
        )
        minutes = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=300)))
        exercises = []
        for number in range(draw(st.integers(min_value=1, max_value=3))):
            sets = tuple(
                LoggedSet(
                    set_type=draw(st.sampled_from(list(SetType))),
                    weight_kg=None
                    if (w := draw(_weights)) is None
                    else w.quantize(Decimal("0.001")),
                    reps=draw(st.one_of(st.none(), st.integers(min_value=1, max_value=1000))),
                    rpe=draw(st.sampled_from([None, Decimal("7.0"), Decimal("9.5")])),
                    duration_s=draw(st.one_of(st.none(), st.integers(min_value=1, max_value=3600))),
                    distance_m=draw(
                        st.one_of(
                            st.none(),
                            st.decimals(min_value=Decimal(1), max_value=Decimal(50_000), places=2),
                        )
                    ),
                )
                for _ in range(draw(st.integers(min_value=1, max_value=4)))
            )
            name = draw(st.sampled_from(["Squat (Barbell)", "Bench, close grip", "Tür-Übung 🏋"]))
            exercises.append(
                LoggedExercise(
                    f"{name} {number}",
                    sets,
                    draw(st.sampled_from([None, "note", 'say "hi"\nsecond line'])),
                )
            )
        found.append(
            Workout(
                title=draw(st.sampled_from(["Push", "Día 1; pierna", "🔥, hot"])),
                start=start,
                end=None if minutes is None else start + timedelta(minutes=minutes),
                exercises=tuple(exercises),
                notes=draw(st.sampled_from([None, "Felt good", "a,b;c"])),
            )
        )
    return tuple(found)


@settings(max_examples=60, deadline=None)
@given(workouts(), st.sampled_from([Units.KG, Units.LB]))
def test_strong_export_import_export_is_identical(
    original: tuple[Workout, ...], unit: Units
) -> None:
    first = write_strong(original, LONDON, unit)
    history = read_history(first, LONDON, unit)
    assert write_strong(history.workouts, LONDON, unit) == first
    if unit is Units.KG:
        assert sets_of(history) == sets_of(History(HistoryFormat.STRONG, original))


@settings(max_examples=40, deadline=None)
@given(workouts())
def test_hevy_export_import_export_is_identical(original: tuple[Workout, ...]) -> None:
    first = write_hevy(original, LONDON)
    history = read_history(first, LONDON)
    assert write_hevy(history.workouts, LONDON) == first


def test_older_strong_files_with_a_workout_duration_column() -> None:
    data = (
        b"Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;RPE;Distance;"
        b"Distance Unit;Seconds;Notes;Workout Notes;Workout Duration\n"
        b"2019-06-01 10:00:00;Upper A;Bench Press (Barbell);1;60;kg;8;;;;;;;1h 5m\n"
    )
    (workout,) = read_history(data, UTC_ZONE).workouts
    assert workout.end == workout.start + timedelta(hours=1, minutes=5)
