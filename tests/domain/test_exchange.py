"""Strong and Hevy CSV reading and writing, format detection, malformed files, library JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from coaching.domain.enums import SetType, Units
from coaching.domain.exchange import (
    HEVY_COLUMNS,
    MAX_IMPORT_BYTES,
    STRONG_COLUMNS,
    STRONG_LEGACY_COLUMNS,
    BadRow,
    FileProblem,
    HistoryFormat,
    LoggedExercise,
    LoggedSet,
    Workout,
    parse_library,
    read_history,
    write_hevy,
    write_strong,
)

MADRID = ZoneInfo("Europe/Madrid")
STRONG_HEADER = ";".join(STRONG_LEGACY_COLUMNS)
HEVY_HEADER = ",".join(HEVY_COLUMNS)

STRONG_FILE = "\n".join(
    [
        STRONG_HEADER,
        "2026-11-20 18:03:00;Push Day;Bench Press (Barbell);W;40;kg;10;;;;;Felt good;Gym A",
        "2026-11-20 18:03:00;Push Day;Bench Press (Barbell);1;80;kg;5;8;;;;;",
        "2026-11-20 18:03:00;Push Day;Bench Press (Barbell);2;176.37;lbs;5;8.5;;;;;",
        "2026-11-20 18:03:00;Push Day;Plank;1;;;;;;;60;;",
        "2026-11-21 07:30:00;Run;Running;1;;;;;5;km;1500;;",
    ]
).encode()

HEVY_FILE = "\n".join(
    [
        HEVY_HEADER,
        '"Leg Day","20 Nov 2026, 18:03","20 Nov 2026, 19:10","Heavy","Squat (Barbell)",,"",0,'
        "warmup,60,8,,,",
        '"Leg Day","20 Nov 2026, 18:03","20 Nov 2026, 19:10","Heavy","Squat (Barbell)",,"",1,'
        "normal,120,5,,,9",
        '"Leg Day","20 Nov 2026, 18:03","20 Nov 2026, 19:10","Heavy","Squat (Barbell)",,"",2,'
        "dropset,100,8,,,",
        '"Leg Day","20 Nov 2026, 18:03","20 Nov 2026, 19:10","Heavy","Rowing Machine",,"",0,'
        "normal,,,2.5,600,",
    ]
).encode()


def test_strong_file_is_read_into_workouts_in_local_time() -> None:
    history = read_history(STRONG_FILE, MADRID)
    assert history.format is HistoryFormat.STRONG
    assert [w.title for w in history.workouts] == ["Push Day", "Run"]
    push = history.workouts[0]
    assert push.start == datetime(2026, 11, 20, 17, 3, tzinfo=UTC)
    assert push.notes == "Gym A"
    bench, plank = push.exercises
    assert bench.name == "Bench Press (Barbell)"
    assert bench.notes == "Felt good"
    assert [s.set_type for s in bench.sets] == [SetType.WARMUP, SetType.NORMAL, SetType.NORMAL]
    assert bench.sets[1] == LoggedSet(SetType.NORMAL, Decimal("80.000"), 5, Decimal("8.0"))
    assert bench.sets[2].weight_kg == Decimal("80.000")
    assert bench.sets[2].unit is Units.LB
    assert plank.sets[0].duration_s == 60
    assert plank.sets[0].weight_kg is None
    run = history.workouts[1].exercises[0].sets[0]
    assert (run.distance_m, run.duration_s) == (Decimal("5000.00"), 1500)
    assert history.set_count == 5


def test_hevy_file_is_read_with_end_times_and_set_types() -> None:
    history = read_history(HEVY_FILE, MADRID)
    assert history.format is HistoryFormat.HEVY
    (workout,) = history.workouts
    assert workout.end == datetime(2026, 11, 20, 18, 10, tzinfo=UTC)
    assert workout.notes == "Heavy"
    squat, row = workout.exercises
    assert [s.set_type for s in squat.sets] == [SetType.WARMUP, SetType.NORMAL, SetType.DROP]
    assert squat.sets[1].rpe == Decimal("9.0")
    assert row.sets[0].distance_m == Decimal("2500.00")


def test_strong_with_commas_is_recognised_too() -> None:
    data = STRONG_FILE.decode().replace(";", ",").encode()
    assert read_history(data, MADRID).format is HistoryFormat.STRONG


WORKOUTS = (
    Workout(
        title="Push, heavy",
        start=datetime(2026, 11, 20, 17, 3, tzinfo=UTC),
        end=datetime(2026, 11, 20, 18, 0, tzinfo=UTC),
        notes='Said "easy"',
        exercises=(
            LoggedExercise(
                "Barbell Bench Press",
                (
                    LoggedSet(SetType.WARMUP, Decimal("40.000"), 10),
                    LoggedSet(SetType.NORMAL, Decimal("82.500"), 5, Decimal("8.5")),
                    LoggedSet(SetType.FAILURE, Decimal("45.359"), 7, unit=Units.LB),
                ),
                notes="Pause reps; slow",
            ),
            LoggedExercise("Plank", (LoggedSet(duration_s=60),)),
            LoggedExercise("Running", (LoggedSet(distance_m=Decimal("5000.00"), duration_s=1500),)),
        ),
    ),
)


@pytest.mark.parametrize("writer", [write_strong, write_hevy])
def test_written_files_read_back_to_the_same_sets(writer: object) -> None:
    assert callable(writer)
    data = writer(WORKOUTS, MADRID)
    history = read_history(data, MADRID)
    (workout,) = history.workouts
    assert workout.title == "Push, heavy"
    assert workout.start == WORKOUTS[0].start
    assert workout.notes == 'Said "easy"'
    assert [e.name for e in workout.exercises] == ["Barbell Bench Press", "Plank", "Running"]
    assert workout.exercises[0].notes == "Pause reps; slow"
    for got, want in zip(workout.exercises, WORKOUTS[0].exercises, strict=True):
        assert [
            (s.set_type, s.weight_kg, s.reps, s.rpe, s.distance_m, s.duration_s) for s in got.sets
        ] == [
            (s.set_type, s.weight_kg, s.reps, s.rpe, s.distance_m, s.duration_s) for s in want.sets
        ]


def test_strong_header_and_row_shape_are_strongs_current_layout() -> None:
    lines = write_strong(WORKOUTS, MADRID).decode().splitlines()
    assert lines[0] == ",".join(STRONG_COLUMNS)
    assert lines[0] == (
        "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,"
        "Workout Notes,RPE"
    )
    assert lines[1] == (
        '2026-11-20 18:03:00,"Push, heavy",57m,Barbell Bench Press,W,40,10,,,Pause reps; slow,'
        '"Said ""easy""",'
    )
    assert ",57m,Barbell Bench Press,1,82.5,5,,,," in lines[2]
    assert lines[2].endswith(",8.5")
    assert ",F,45.359,7," in lines[3]
    in_pounds = write_strong(WORKOUTS, MADRID, Units.LB).decode().splitlines()
    assert ",F,100,7," in in_pounds[3]
    assert ",1,181.88,5," in in_pounds[2]


def test_hevy_header_and_row_shape() -> None:
    lines = write_hevy(WORKOUTS, MADRID).decode().splitlines()
    assert lines[0] == HEVY_HEADER
    assert '"20 Nov 2026, 18:03","20 Nov 2026, 19:00"' in lines[1]
    assert lines[1].endswith(",0,warmup,40,10,,,")


# --- malformed files --------------------------------------------------------------------------


def _strong(*rows: str) -> bytes:
    return "\n".join([STRONG_HEADER, *rows]).encode()


def _hevy(*rows: str) -> bytes:
    return "\n".join([HEVY_HEADER, *rows]).encode()


GOOD_STRONG_ROW = "2026-11-20 18:03:00;Push;Bench;1;80;kg;5;;;;;;"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a CSV"),
        (b"name,age\nbob,3\n", "Line 1: this is not a Strong, Hevy or FitNotes export"),
        (
            (STRONG_HEADER.replace(";Reps", "") + "\n" + GOOD_STRONG_ROW).encode(),
            "Line 1: the Strong columns are wrong (missing “Reps”)",
        ),
        (
            (HEVY_HEADER.replace(",reps", "") + "\n").encode(),
            "Line 1: the Hevy columns are wrong (missing “reps”)",
        ),
        (
            _strong("2026-11-20 18:03:00;Push;Bench;2;heavy;kg;5;;;;;;"),
            "Line 2: the weight “heavy” is not a number",
        ),
        (
            _strong("2026-11-20 18:03:00;Push;Bench;1;80;kg;5.5;;;;;;"),
            "Line 2: the reps “5.5” must be a whole number",
        ),
        (
            _strong("2026-11-20 18:03:00;Push;Bench;1;-80;kg;5;;;;;;"),
            "Line 2: the weight “-80” must be zero or more",
        ),
        (
            _strong("2026-11-20 18:03:00;Push;Bench;1;80;kg;5;12;;;;;"),
            "Line 2: the RPE 12 must be from 1 to 10",
        ),
        (
            _strong("2026-11-20 18:03:00;Push;Bench;1;80;stone;5;;;;;;"),
            "Line 2: the weight unit “stone” is not kg or lbs",
        ),
        (
            _strong("20/11/2026 18:03;Push;Bench;1;80;kg;5;;;;;;"),
            "Line 2: the date “20/11/2026 18:03” is not a date and time like 2026-11-20 18:03:00",
        ),
        (_strong("2026-13-40 18:03:00;Push;Bench;1;80;kg;5;;;;;;"), "Line 2: the date"),
        (
            _strong("2026-11-20 18:03:00;Push;;1;80;kg;5;;;;;;"),
            "Line 2: the exercise name is empty",
        ),
        (_strong("2026-11-20 18:03:00;Push;Bench;1;80;kg"), "Line 2: this row has a different"),
        (_strong(), "no sets"),
        (
            _hevy('"Leg","20/11/2026 18:03","","","Squat",,"",0,normal,100,5,,,'),
            "Line 2: the date “20/11/2026 18:03” is not a date and time like 20 Nov 2026, 18:03",
        ),
        (
            _hevy('"Leg","20 Nov 2026, 18:03","","","Squat",,"",0,superset,100,5,,,'),
            "Line 2: the set type “superset”",
        ),
        (
            _hevy('"Leg","20 Nov 2026, 18:03","20 Nov 2026, 17:00","","Squat",,"",0,normal,1,5,,,'),
            "Line 2: the workout ends before it starts",
        ),
        (
            _hevy('"Leg","20 Nov 2026, 18:03","","","Squat",,"",0,normal,5000,5,,,'),
            "Line 2: the weight 5000 kg is more than 1000 kg",
        ),
    ],
)
def test_malformed_files_name_the_line_and_the_problem(data: bytes, expected: str) -> None:
    with pytest.raises(FileProblem) as caught:
        read_history(data, MADRID)
    assert expected in str(caught.value)


def test_oversized_file_is_refused_before_parsing() -> None:
    data = _strong(*([GOOD_STRONG_ROW] * (MAX_IMPORT_BYTES // len(GOOD_STRONG_ROW) + 10)))
    with pytest.raises(FileProblem) as caught:
        read_history(data, MADRID)
    assert "the limit is 5 MB" in str(caught.value)


# --- library JSON -----------------------------------------------------------------------------


def test_library_round_trips_and_rejects_bad_files() -> None:
    good = (
        b'{"format":"spotter-library","version":1,"templates":[{"name":"Push",'
        b'"exercises":[{"name":"Bench","target_sets":3,"reps_min":5,"reps_max":8}]}],'
        b'"programs":[]}'
    )
    library = parse_library(good)
    assert library.templates[0].exercises[0].target_sets == 3
    with pytest.raises(FileProblem, match="not valid JSON"):
        parse_library(b"{oops")
    with pytest.raises(FileProblem, match="not a Spotter library"):
        parse_library(b'{"format":"other","version":1}')
    with pytest.raises(FileProblem, match="not a Spotter library"):
        parse_library(b'{"format":"spotter-library","version":7}')
    with pytest.raises(FileProblem, match=r"templates → 0 → exercises → 0 → target_sets"):
        parse_library(good.replace(b'"target_sets":3', b'"target_sets":99'))


def test_a_bad_row_among_good_ones_is_listed_not_fatal() -> None:
    history = read_history(
        _strong(GOOD_STRONG_ROW, "2026-11-20 18:03:00;Push;Bench;2;heavy;kg;5;;;;;;"), MADRID
    )
    assert history.set_count == 1
    assert history.bad_rows == (BadRow(3, "the weight “heavy” is not a number (like 82.5)."),)
